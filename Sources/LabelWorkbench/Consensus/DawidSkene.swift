import Foundation

/// One worker's label for one item, by dense indexes (items 0..<n, workers
/// 0..<m, classes 0..<k).
public struct Ballot: Sendable, Equatable {
    public var item: Int
    public var worker: Int
    public var label: Int
    public init(item: Int, worker: Int, label: Int) {
        self.item = item
        self.worker = worker
        self.label = label
    }
}

/// What consensus concluded.
public struct ConsensusResult: Sendable {
    /// The winning class of each item.
    public var labels: [Int]
    /// P(true class = k | votes) per item.
    public var posteriors: [[Double]]
    /// Items whose top posteriors were equal; the lower class index won.
    public var ties: [Bool]
    /// confusion[w][true][voted] = P(worker w votes `voted` | true class).
    public var confusion: [[[Double]]]
    /// Estimated class frequencies.
    public var priors: [Double]
    public var iterations: Int

    /// Σ_k prior_k · P(correct | k): the worker's estimated accuracy.
    public func accuracy(ofWorker w: Int) -> Double {
        priors.indices.reduce(0) { $0 + priors[$1] * confusion[w][$1][$1] }
    }
}

/// Dawid & Skene (1979) expectation–maximisation over all votes of a job:
/// per-worker confusion matrices and class priors, started from majority
/// vote. Pure: votes in, labels and posteriors out.
///
/// Departures from the textbook, all for small data:
/// - each worker's confusion row is smoothed toward the pooled confusion of
///   all workers with `smoothing` pseudo-votes, so a worker with one or two
///   votes looks like the average worker instead of perfect or useless;
/// - the pooled confusion is smoothed toward a worker who is right 80% of the
///   time (4 pseudo-votes per class), so a rare class keeps an informative row;
/// - class priors get one pseudo-count per class.
/// Computed in log space; stops when no posterior moves more than `tolerance`.
public enum DawidSkene {
    public static let method = "dawid_skene"
    static let fairWorkerVotes = 4.0

    /// `settled[i]`: the class an expert gave item i, taken as its truth — its
    /// posterior stays certain, and the workers' confusion learns from it.
    public static func fit(_ ballots: [Ballot], items: Int, workers: Int, classes: Int, settled: [Int: Int] = [:],
                           maxIterations: Int = 200, tolerance: Double = 1e-7, smoothing: Double = 2) -> ConsensusResult {
        precondition(classes >= 2)
        func clamped(_ posteriors: [[Double]]) -> [[Double]] {
            var out = posteriors
            for (item, label) in settled { out[item] = (0..<classes).map { $0 == label ? 1 : 0 } }
            return out
        }
        var posteriors = clamped(majorityVote(ballots, items: items, classes: classes))
        var confusion = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 1 / Double(classes), count: classes), count: classes), count: workers)
        var priors = [Double](repeating: 1 / Double(classes), count: classes)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            (confusion, priors) = maximise(ballots, posteriors: posteriors, workers: workers, classes: classes, smoothing: smoothing)
            let next = clamped(expect(ballots, items: items, confusion: confusion, priors: priors))
            var change = 0.0
            for i in 0..<items { for k in 0..<classes { change = max(change, abs(next[i][k] - posteriors[i][k])) } }
            posteriors = next
            if change < tolerance { break }
        }
        var labels = [Int](repeating: 0, count: items)
        var ties = [Bool](repeating: false, count: items)
        for i in 0..<items {
            let (label, tie) = decide(posteriors[i])
            labels[i] = label
            ties[i] = tie
        }
        return ConsensusResult(labels: labels, posteriors: posteriors, ties: ties, confusion: confusion,
                               priors: priors, iterations: iterations)
    }

    /// The explicit tie rule: the highest posterior wins; when the top two are
    /// equal (within 1e-9) the lower class index wins and the item is flagged.
    public static func decide(_ posterior: [Double]) -> (label: Int, tie: Bool) {
        var best = 0
        for k in 1..<posterior.count where posterior[k] > posterior[best] + 1e-9 { best = k }
        let tie = posterior.indices.contains { $0 != best && abs(posterior[$0] - posterior[best]) <= 1e-9 }
        return (best, tie)
    }

    /// Vote shares per item (items without votes: uniform).
    public static func majorityVote(_ ballots: [Ballot], items: Int, classes: Int) -> [[Double]] {
        var counts = [[Double]](repeating: [Double](repeating: 0, count: classes), count: items)
        for b in ballots { counts[b.item][b.label] += 1 }
        return counts.map { row in
            let total = row.reduce(0, +)
            return total > 0 ? row.map { $0 / total } : [Double](repeating: 1 / Double(classes), count: classes)
        }
    }

    static func maximise(_ ballots: [Ballot], posteriors: [[Double]], workers: Int, classes: Int,
                         smoothing: Double) -> (confusion: [[[Double]]], priors: [Double]) {
        var counts = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: classes), count: classes), count: workers)
        for b in ballots {
            for k in 0..<classes { counts[b.worker][k][b.label] += posteriors[b.item][k] }
        }
        // The pooled confusion of all workers, itself smoothed toward a "fair
        // worker" (right 80% of the time) with `fairWorkerVotes` pseudo-votes per
        // class: a class with few items cannot drift into a degenerate row.
        var pooled = [[Double]](repeating: [Double](repeating: 0, count: classes), count: classes)
        for k in 0..<classes {
            for l in 0..<classes { pooled[k][l] = fairWorkerVotes * (k == l ? 0.8 : 0.2 / Double(classes - 1)) }
        }
        for w in 0..<workers { for k in 0..<classes { for l in 0..<classes { pooled[k][l] += counts[w][k][l] } } }
        pooled = pooled.map { row in let s = row.reduce(0, +); return row.map { $0 / s } }
        var confusion = counts
        for w in 0..<workers {
            for k in 0..<classes {
                let total = counts[w][k].reduce(0, +) + smoothing
                for l in 0..<classes { confusion[w][k][l] = (counts[w][k][l] + smoothing * pooled[k][l]) / total }
            }
        }
        var priors = [Double](repeating: 1, count: classes)
        for row in posteriors { for k in 0..<classes { priors[k] += row[k] } }
        let sum = priors.reduce(0, +)
        return (confusion, priors.map { $0 / sum })
    }

    static func expect(_ ballots: [Ballot], items: Int, confusion: [[[Double]]], priors: [Double]) -> [[Double]] {
        let classes = priors.count
        let logPriors = priors.map { log($0) }
        var logPosterior = [[Double]](repeating: logPriors, count: items)
        for b in ballots {
            for k in 0..<classes { logPosterior[b.item][k] += log(confusion[b.worker][k][b.label]) }
        }
        return logPosterior.map { row in
            let top = row.max()!
            let exps = row.map { exp($0 - top) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }
    }
}
