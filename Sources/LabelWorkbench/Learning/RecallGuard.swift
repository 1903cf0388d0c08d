import Foundation

/// Raises labels' thresholds until every label's recall bound meets its
/// target: for label k, the other labels' machine labels most likely to be k
/// (highest probability of k) are held back for humans first, until the
/// lower bound of k's recall in the finished set reaches the target
/// (`RecallBound`). Then every label's machine labels are reported with
/// estimated precision and recall and their bounds.
public enum RecallGuard {
    public struct Input {
        /// Each unlabeled image's probabilities, in class order.
        public var probabilities: [[Double]]
        /// Each label's threshold from validation (nil: it may not label).
        public var thresholds: [Double?]
        /// Each label's validation bands (nil: no evidence, its recall is not guarded).
        public var bands: [[RecallBound.Band]?]
        /// Each label's images by human consensus (posteriors summed).
        public var human: [Double]
        public var targetRecall: [Double]
        public var confidence: Double
        public init(probabilities: [[Double]], thresholds: [Double?], bands: [[RecallBound.Band]?], human: [Double], targetRecall: [Double],
                    confidence: Double) {
            self.probabilities = probabilities
            self.thresholds = thresholds
            self.bands = bands
            self.human = human
            self.targetRecall = targetRecall
            self.confidence = confidence
        }
    }

    public struct Report: Sendable, Equatable {
        public var threshold: Double?
        public var machineLabeled = 0
        /// Other labels' machine labels held back for this label's recall.
        public var heldBack = 0
        public var recall: RecallBound.Estimate?
        public var precision: Double?
        public var precisionLower: Double?
    }

    public static func apply(_ input: Input) -> (thresholds: [Double?], reports: [Report]) {
        let classes = input.thresholds.count
        let calls = input.probabilities.map { p -> (label: Int, confidence: Double) in
            let best = Probabilities.argmax(p)
            return (best, (p[best] * 1e6).rounded() / 1e6)
        }
        var thresholds = input.thresholds
        func labeled(_ i: Int) -> Bool { thresholds[calls[i].label].map { calls[i].confidence >= $0 } ?? false }
        let draws = (0..<classes).map { k in input.bands[k].map { RecallBound.draws($0, seed: 0x5eed &+ UInt64(k)) } }
        let bandOf = (0..<classes).map { k in input.bands[k].map { bands in input.probabilities.map { RecallBound.band(of: $0[k], in: bands) } } }
        var heldBack = [Int](repeating: 0, count: classes)

        for k in 0..<classes {
            guard let bands = input.bands[k], let draws = draws[k], let bandOf = bandOf[k] else { continue }
            let candidates = counts(bandOf, bands.count)
            let others = input.probabilities.indices.filter { labeled($0) && calls[$0].label != k }
                .sorted { input.probabilities[$0][k] > input.probabilities[$1][k] }
            func lowerBound(removing r: Int) -> Double {
                var swallowed = [Int](repeating: 0, count: bands.count)
                for i in others[r...] { swallowed[bandOf[i]] += 1 }
                return RecallBound.estimate(swallowed: swallowed, candidates: candidates, human: input.human[k], bands: bands,
                                            draws: draws, confidence: input.confidence).recallLower
            }
            guard !others.isEmpty, lowerBound(removing: 0) < input.targetRecall[k] else { continue }
            var low = 1, high = others.count
            while low < high {
                let mid = (low + high) / 2
                if lowerBound(removing: mid) >= input.targetRecall[k] { high = mid } else { low = mid + 1 }
            }
            let before = input.probabilities.indices.filter(labeled).count
            for i in others[..<low] {
                let j = calls[i].label
                thresholds[j] = max(thresholds[j] ?? 0, calls[i].confidence.nextUp)
            }
            heldBack[k] = before - input.probabilities.indices.filter(labeled).count
        }
        let reports = report(input, thresholds: thresholds, calls: calls, draws: draws, bandOf: bandOf, heldBack: heldBack)
        return (thresholds, reports)
    }

    /// Each label's machine labels under `thresholds`, with precision and recall estimated and bounded.
    private static func report(_ input: Input, thresholds: [Double?], calls: [(label: Int, confidence: Double)], draws: [[[Double]]?],
                               bandOf: [[Int]?], heldBack: [Int]) -> [Report] {
        let classes = thresholds.count
        let labeled = calls.map { call in thresholds[call.label].map { call.confidence >= $0 } ?? false }
        var reports = (0..<classes).map { Report(threshold: thresholds[$0], heldBack: heldBack[$0]) }
        for (i, call) in calls.enumerated() where labeled[i] { reports[call.label].machineLabeled += 1 }
        // wrong[j][d]: label j's machine labels that belong to another label, in draw d (index draws.count: the estimate).
        let drawCount = draws.compactMap { $0?.count }.first ?? 0
        var wrong = [[Double]](repeating: [Double](repeating: 0, count: drawCount + 1), count: classes)
        var precisionKnown = [Bool](repeating: true, count: classes)
        for k in 0..<classes {
            guard let bands = input.bands[k], let draws = draws[k], let bandOf = bandOf[k] else {
                for j in 0..<classes where j != k { precisionKnown[j] = false }
                continue
            }
            var swallowedBy = [[Int]](repeating: [Int](repeating: 0, count: bands.count), count: classes)
            for i in calls.indices where labeled[i] && calls[i].label != k { swallowedBy[calls[i].label][bandOf[i]] += 1 }
            let swallowed = bands.indices.map { b in swallowedBy.reduce(0) { $0 + $1[b] } }
            reports[k].recall = RecallBound.estimate(swallowed: swallowed, candidates: counts(bandOf, bands.count),
                                                     human: input.human[k], bands: bands, draws: draws, confidence: input.confidence)
            for j in 0..<classes where j != k {
                for (d, draw) in draws.enumerated() {
                    for b in bands.indices { wrong[j][d] += Double(swallowedBy[j][b]) * draw[b] }
                }
                for b in bands.indices { wrong[j][drawCount] += Double(swallowedBy[j][b]) * (bands[b].labelItems + 0.5) / (bands[b].items + 1) }
            }
        }
        for j in 0..<classes where precisionKnown[j] && reports[j].machineLabeled > 0 && drawCount > 0 {
            let m = Double(reports[j].machineLabeled)
            reports[j].precision = 1 - wrong[j][drawCount] / m
            reports[j].precisionLower = RecallBound.quantile(wrong[j][..<drawCount].map { 1 - $0 / m }, 1 - input.confidence)
        }
        return reports
    }

    /// Images per band.
    private static func counts(_ bandOf: [Int], _ bands: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: bands)
        for b in bandOf { counts[b] += 1 }
        return counts
    }
}
