import Foundation

/// What lw knows about one human label: its consensus and the out-of-fold
/// probabilities of a model that never saw the image.
public struct LabelEvidence: Sendable, Equatable {
    /// The consensus label's class index.
    public var given: Int
    /// The consensus posteriors, in class order.
    public var posteriors: [Double]
    public var tie: Bool
    /// The model's out-of-fold probabilities, in class order.
    public var model: [Double]
    /// Mean estimated accuracy of the workers who gave `given` (nil: unknown).
    public var voterAccuracy: Double?

    public init(given: Int, posteriors: [Double], tie: Bool, model: [Double], voterAccuracy: Double?) {
        self.given = given
        self.posteriors = posteriors
        self.tie = tie
        self.model = model
        self.voterAccuracy = voterAccuracy
    }
}

/// How likely a human label is wrong, and why.
public struct Suspicion: Sendable, Equatable {
    public enum Reason: String, Sendable, CaseIterable {
        /// Confident learning: another label's out-of-fold probability reaches
        /// that label's threshold (Northcutt et al. 2021).
        case model
        /// The consensus posterior is below 0.9, or a tie.
        case uncertainConsensus = "uncertain_consensus"
        /// The workers who gave the label are estimated below 80% accurate.
        case weakWorkers = "weak_workers"
    }

    /// Estimated probability that the label is wrong.
    public var score: Double
    /// The most likely other label.
    public var suggested: Int
    public var reasons: [Reason]
}

/// Ranks human labels by how likely they are wrong. The model's out-of-fold
/// probabilities and the consensus posteriors are two independent views of
/// the truth (the model never saw the image, the workers never saw the
/// model), combined by Bayes' rule: q(k) ∝ posterior(k) · model(k) / prior(k);
/// the score is 1 − q(label). Pure.
public enum SuspectRanking {
    static let uncertainBelow = 0.9
    static let weakWorkersBelow = 0.8

    /// Confident learning's per-label thresholds: the mean out-of-fold
    /// probability of label j over the images labeled j (1 when none is).
    public static func thresholds(_ items: [LabelEvidence], classes: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: classes), counts = sums
        for item in items {
            sums[item.given] += item.model[item.given]
            counts[item.given] += 1
        }
        return (0..<classes).map { counts[$0] > 0 ? sums[$0] / counts[$0] : 1 }
    }

    /// The share of each label among the given labels, with one pseudo-count each.
    public static func priors(_ items: [LabelEvidence], classes: Int) -> [Double] {
        var counts = [Double](repeating: 1, count: classes)
        for item in items { counts[item.given] += 1 }
        let total = counts.reduce(0, +)
        return counts.map { $0 / total }
    }

    public static func assess(_ item: LabelEvidence, thresholds: [Double], priors: [Double]) -> Suspicion {
        let classes = item.model.count
        var q = (0..<classes).map { k in
            max(item.posteriors[k], 1e-6) * max(item.model[k], 1e-6) / priors[k]
        }
        let total = q.reduce(0, +)
        q = q.map { $0 / total }
        let others = (0..<classes).filter { $0 != item.given }
        let suggested = others.max { q[$0] < q[$1] || (q[$0] == q[$1] && $0 > $1) }!
        var reasons: [Suspicion.Reason] = []
        if others.contains(where: { item.model[$0] >= thresholds[$0] }) { reasons.append(.model) }
        if item.tie || item.posteriors[item.given] < uncertainBelow { reasons.append(.uncertainConsensus) }
        if let accuracy = item.voterAccuracy, accuracy < weakWorkersBelow { reasons.append(.weakWorkers) }
        return Suspicion(score: min(1, max(0, 1 - q[item.given])), suggested: suggested, reasons: reasons)
    }

    /// Every item's suspicion, most suspect first (ties: the lower index first).
    public static func rank(_ items: [LabelEvidence], classes: Int) -> [(index: Int, suspicion: Suspicion)] {
        let thresholds = thresholds(items, classes: classes), priors = priors(items, classes: classes)
        return items.enumerated().map { ($0.offset, assess($0.element, thresholds: thresholds, priors: priors)) }
            .sorted { $0.1.score > $1.1.score || ($0.1.score == $1.1.score && $0.0 < $1.0) }
    }
}
