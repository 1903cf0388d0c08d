import Foundation

/// Chooses a model's L2 strength by cross-fitting: for every candidate, each
/// example scored by a model fitted on the other folds. Every (candidate,
/// fold) fit shares the cores at once, so no core waits on a lone fold.
enum CrossFit {
    struct Choice {
        var l2: Double
        /// Mean out-of-fold log-loss against the consensus posteriors.
        var loss: Double
        /// Out-of-fold probabilities of every example (uniform where a fold had nothing to train on).
        var oof: [[Double]]
    }

    /// The candidate with the lowest out-of-fold log-loss against `posteriors`
    /// (the first on a tie). `fit` returns the probabilities of `test`,
    /// fitted on `train`; it runs on several threads.
    static func chooseL2(_ candidates: [Double], folds: [Int], posteriors: [[Double]], progress: ProgressReporter? = nil,
                         fit: @Sendable (_ l2: Double, _ train: [Int], _ test: [Int]) -> [[Double]]) -> Choice {
        let classes = posteriors.first?.count ?? 2
        let foldCount = (folds.max() ?? 0) + 1
        let pairs = candidates.indices.flatMap { c in (0..<foldCount).map { (c, $0) } }
        let scored: [[(Int, [Double])]] = parallelMap(pairs) { pair in
            let (candidate, fold) = pair
            let train = folds.indices.filter { folds[$0] != fold }, test = folds.indices.filter { folds[$0] == fold }
            guard !train.isEmpty, !test.isEmpty else { return [] }
            defer { progress?.advance(by: 1) }
            return Array(zip(test, fit(candidates[candidate], train, test)))
        }
        var best: Choice?
        for c in candidates.indices {
            var oof = [[Double]](repeating: [Double](repeating: 1 / Double(classes), count: classes), count: folds.count)
            for (pair, results) in zip(pairs, scored) where pair.0 == c { for (i, p) in results { oof[i] = p } }
            var loss = 0.0
            for i in oof.indices { for k in 0..<classes { loss -= posteriors[i][k] * log(max(oof[i][k], 1e-12)) } }
            loss /= Double(max(oof.count, 1))
            if best == nil || loss < best!.loss { best = Choice(l2: candidates[c], loss: loss, oof: oof) }
        }
        return best!
    }
}
