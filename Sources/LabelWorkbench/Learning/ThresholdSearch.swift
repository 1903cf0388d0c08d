import Foundation

/// Chooses the confidence threshold above which machine labels are trusted,
/// the way Ground Truth does — the lowest threshold at which validation
/// accuracy reaches the target — but on a conservative lower bound of that
/// accuracy instead of the raw ratio, so a small or lucky validation set
/// cannot produce an optimistic threshold.
public enum ThresholdSearch {
    /// One validation item: the model's confidence in its predicted label, and
    /// the probability that this label is right (1 or 0 for a certain human
    /// label; the consensus posterior of the predicted label for a noisy one).
    /// With `prior` (the predicted label's share among human labels) the
    /// search estimates accuracy jointly with the labels' noise (`jointPrecision`).
    public struct Item: Sendable, Equatable {
        public var confidence: Double
        public var correct: Double
        public var prior: Double?
        public init(confidence: Double, correct: Double, prior: Double? = nil) {
            self.confidence = confidence
            self.correct = correct
            self.prior = prior
        }
    }

    public struct Result: Sendable, Equatable {
        /// nil: no threshold supports the target (refuse to auto-label).
        public var threshold: Double?
        /// Validation items at or above the threshold, and their accuracy and its bound.
        public var covered: Int
        public var accuracy: Double
        public var lowerBound: Double
        /// The fewest validation items that could ever support the target, even all correct.
        public var minimumItems: Int
        /// The highest lower bound any threshold reached (how close validation came).
        public var bestLowerBound: Double = 0
    }

    /// The bound's one-sided confidence unless a job says otherwise (`job.threshold_confidence`).
    public static let defaultConfidence = 0.95
    /// z of the default confidence (1.645).
    public static let defaultZ = zScore(confidence: defaultConfidence)

    /// The standard normal quantile: z of a one-sided lower bound that holds
    /// with probability `confidence` (0.95 → 1.645, 0.975 → 1.960). Bisection
    /// on erfc, exact to ~1e-12, for 0.5 < confidence < 1.
    public static func zScore(confidence: Double) -> Double {
        precondition(confidence > 0.5 && confidence < 1, "confidence \(confidence) must be between 0.5 and 1")
        var low = 0.0, high = 40.0
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if 1 - 0.5 * erfc(mid / 2.0.squareRoot()) < confidence { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// Wilson score lower bound of a proportion (z 1.645: 95% one-sided; 1.96: 97.5%).
    public static func wilsonLowerBound(successes: Double, n: Double, z: Double = defaultZ) -> Double {
        guard n > 0 else { return 0 }
        let p = successes / n
        let z2 = z * z
        let centre = p + z2 / (2 * n)
        let margin = z * ((p * (1 - p) + z2 / (4 * n)) / n).squareRoot()
        return max(0, (centre - margin) / (1 + z2 / n))
    }

    /// The lowest threshold whose covered validation items have a Wilson lower
    /// bound ≥ `target`. Candidates are the items' own confidences.
    public static func search(_ items: [Item], target: Double, z: Double = defaultZ) -> Result {
        var minimum = 1
        while wilsonLowerBound(successes: Double(minimum), n: Double(minimum), z: z) < target && minimum < 100_000 { minimum += 1 }
        let sorted = items.sorted { $0.confidence > $1.confidence }
        var best: Result?
        var bestBound = 0.0
        let joint = usesJointEstimate(sorted)
        var n = 0.0, correct = 0.0
        var q = 0.9
        var i = 0
        while i < sorted.count {
            // Items with equal confidence enter together.
            let c = sorted[i].confidence
            while i < sorted.count && sorted[i].confidence == c {
                n += 1
                correct += sorted[i].correct
                i += 1
            }
            var accuracy = correct / n, bound: Double
            if joint {
                let estimate = jointPrecision(sorted[0..<i], start: q)
                q = estimate.precision
                accuracy = q
                bound = wilsonLowerBound(successes: q * estimate.effectiveItems, n: estimate.effectiveItems, z: z)
            } else {
                bound = wilsonLowerBound(successes: correct, n: n, z: z)
            }
            bestBound = max(bestBound, bound)
            if bound >= target {
                best = Result(threshold: c, covered: Int(n), accuracy: accuracy, lowerBound: bound, minimumItems: minimum)
            }
        }
        best?.bestLowerBound = bestBound
        return best ?? Result(threshold: nil, covered: 0, accuracy: items.isEmpty ? 0 : items.reduce(0) { $0 + $1.correct } / Double(items.count),
                              lowerBound: wilsonLowerBound(successes: items.reduce(0) { $0 + $1.correct }, n: Double(items.count), z: z),
                              minimumItems: minimum, bestLowerBound: bestBound)
    }

    /// The joint estimate assumes the model's errors and the humans' are
    /// independent given the truth. They are not on hard images (a faint logo
    /// both miss): measured on the benchmark's mixed team (validation
    /// certainty 0.87) it certified "no_logo" labels that were 91% right. So
    /// it is used only when the validation labels are near-certain on average
    /// (mean (2p − 1)² ≥ this); otherwise each item counts with its posterior.
    public static let jointEstimateMinimumCertainty = 0.95

    static func usesJointEstimate(_ items: [Item]) -> Bool {
        guard !items.isEmpty, items.allSatisfy({ $0.prior != nil }) else { return false }
        return certainty(items) >= jointEstimateMinimumCertainty
    }

    /// How near-certain the validation labels are: mean (2p − 1)² over the
    /// items' consensus posteriors p (1: all certain, 0: all coin flips).
    public static func certainty(_ items: [Item]) -> Double {
        guard !items.isEmpty else { return 0 }
        return items.reduce(0) { $0 + (2 * $1.correct - 1) * (2 * $1.correct - 1) } / Double(items.count)
    }

    /// The share of `items` whose predicted label is right, estimated with the
    /// model as one more annotator (Dawid–Skene's view): each item's human votes
    /// are evidence with likelihood ratio λ = P(votes | label right) / P(votes |
    /// label wrong), read off the consensus posterior p and the label's prior π
    /// as (p/π) / ((1−p)/(1−π)); the model's precision q on these items is the
    /// maximum-likelihood fit of P(votes) ∝ q·λ + (1 − q) (EM). Weighting each
    /// item by p alone ignores that the model's own prediction is evidence and
    /// underestimates a good model whenever the humans are noisy.
    /// `effectiveItems` (Σ (2p − 1)² over the consensus posteriors) counts a
    /// 50/50 item as no evidence and a certain one as a whole item: the bound
    /// uses it, not the raw count.
    public static func jointPrecision(_ items: ArraySlice<Item>, start: Double = 0.9) -> (precision: Double, effectiveItems: Double) {
        guard !items.isEmpty else { return (0, 0) }
        var q = min(max(start, 0.01), 0.99)
        func posterior(_ item: Item, _ q: Double) -> Double {
            let p = item.correct, prior = min(max(item.prior ?? 0.5, 1e-6), 1 - 1e-6)
            if p >= 1 { return 1 }
            if p <= 0 { return 0 }
            let ratio = (p / prior) / ((1 - p) / (1 - prior))
            return q * ratio / (q * ratio + 1 - q)
        }
        for _ in 0..<500 {
            var sum = 0.0
            for item in items { sum += posterior(item, q) }
            let next = sum / Double(items.count)
            if abs(next - q) < 1e-9 { q = next; break }
            q = next
        }
        // Only the humans' votes are evidence of the model being right: the
        // effective count uses their posterior, not the joint one.
        var effective = 0.0
        for item in items {
            let r = 2 * item.correct - 1
            effective += r * r
        }
        return (q, effective)
    }

    /// One threshold per predicted label, each found on the validation items
    /// predicted as that label (so every label's machine labels meet the target
    /// on their own). Used when it covers more validation items than a single
    /// threshold; otherwise every label gets the single one.
    public static func searchPerLabel(_ items: [Item], predicted: [Int], classes: Int, target: Double, z: Double = defaultZ)
        -> (thresholds: [Double?], covered: Int, single: Result) {
        let single = search(items, target: target, z: z)
        var perLabel: [Double?] = []
        var covered = 0
        for c in 0..<classes {
            let subset = zip(items, predicted).filter { $0.1 == c }.map(\.0)
            let result = search(subset, target: target, z: z)
            perLabel.append(result.threshold)
            covered += result.covered
        }
        if covered > single.covered { return (perLabel, covered, single) }
        return (Array(repeating: single.threshold, count: classes), single.covered, single)
    }

    /// Each label's share of the human labels (mean consensus posterior).
    public static func labelPriors(_ posteriors: [[Double]], classes: Int) -> [Double] {
        guard !posteriors.isEmpty else { return Array(repeating: 1 / Double(classes), count: classes) }
        var sums = [Double](repeating: 0, count: classes)
        for p in posteriors { for c in 0..<classes { sums[c] += p[c] } }
        return sums.map { $0 / Double(posteriors.count) }
    }

    /// How well class probabilities rank the labels: each label's AUC against
    /// the rest, averaged over the labels that have both (for two labels, the
    /// usual AUC). nil when no label does.
    public static func meanOneVsRestAUC(_ probabilities: [[Double]], labels: [Int], classes: Int) -> Double? {
        let aucs = (0..<classes).compactMap { c in auc(scores: probabilities.map { $0[c] }, positives: labels.map { $0 == c }) }
        return aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count)
    }

    /// Area under the ROC curve of scores for the positive class (ties count half).
    public static func auc(scores: [Double], positives: [Bool]) -> Double? {
        let pos = positives.filter { $0 }.count, neg = positives.count - pos
        guard pos > 0, neg > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for t in i...j where positives[order[t]] { rankSum += rank }
            i = j + 1
        }
        return (rankSum - Double(pos * (pos + 1)) / 2) / Double(pos * neg)
    }
}
