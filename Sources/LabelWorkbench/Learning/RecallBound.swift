import Foundation

/// Bounds how many of a label's images the other labels' machine labels
/// swallow (docs/model.md#recall). A threshold bounds how often a label's
/// machine labels are wrong; with a rare label that says nothing about recall
/// ("absent" for everything is 95% accurate at 5% prevalence).
///
/// The evidence is the validation sample, a uniform random sample of the job,
/// scored out of fold. For label k its items are cut into bands by the model's
/// probability of k; in each band the share of k among them (consensus
/// posteriors) estimates the share of k among the job's images scored in that
/// band. Each band's share has a Beta posterior (Jeffreys prior, so a band
/// with no k still counts a little: the price of not having looked more); the
/// hidden count is the sum over bands of machine labels of other labels times
/// the band's share, and its bound a quantile of that sum over draws.
public enum RecallBound {
    /// One band of validation items by the model's probability of a label.
    public struct Band: Sendable, Equatable, Codable {
        /// The band holds scores ≥ this (and below the previous band's; the first band has no upper edge).
        public var lowestScore: Double
        public var items: Double
        /// Consensus posteriors of the label summed over the band's items.
        public var labelItems: Double
        public init(lowestScore: Double, items: Double, labelItems: Double) {
            self.lowestScore = lowestScore
            self.items = items
            self.labelItems = labelItems
        }
    }

    /// A band closes, from the highest scores down, once it holds this many
    /// items and this much of the label; the lowest band takes the rest.
    public static let bandItems = 20
    public static let bandLabelItems = 2.0

    /// Bands of validation items by `scores` (the model's probability of the
    /// label), highest first; `label` is each item's consensus posterior of it.
    public static func bands(scores: [Double], label: [Double]) -> [Band] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var bands: [Band] = []
        var current = Band(lowestScore: 0, items: 0, labelItems: 0)
        for (position, i) in order.enumerated() {
            current.items += 1
            current.labelItems += label[i]
            let next = position + 1 < order.count ? scores[order[position + 1]] : nil
            // Equal scores stay in one band, so a score always maps to one band.
            if Int(current.items) >= bandItems && current.labelItems >= bandLabelItems, let next, next < scores[i] {
                current.lowestScore = scores[i]
                bands.append(current)
                current = Band(lowestScore: 0, items: 0, labelItems: 0)
            }
        }
        if current.items > 0 { bands.append(current) } else if var last = bands.popLast() {
            last.lowestScore = 0
            bands.append(last)
        }
        return bands
    }

    /// The band of a score: the first, from the top, whose lowest score it reaches.
    public static func band(of score: Double, in bands: [Band]) -> Int {
        bands.firstIndex { score >= $0.lowestScore } ?? bands.count - 1
    }

    /// Draws of every band's share of the label (rows: draws), from each band's
    /// Beta(label + ½, others + ½) posterior; seeded, so a rerun agrees.
    public static func draws(_ bands: [Band], count: Int = 400, seed: UInt64 = 0x5eed) -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            bands.map { Beta.sample(a: $0.labelItems + 0.5, b: max($0.items - $0.labelItems, 0) + 0.5, using: &generator) }
        }
    }

    /// The label's hidden images and recall in the finished set, with bounds.
    public struct Estimate: Sendable, Equatable {
        /// Expected images of the label among other labels' machine labels, and its upper bound.
        public var hidden: Double
        public var hiddenUpper: Double
        /// Expected images of the label in the job (human labels plus the unlabeled's expected share).
        public var total: Double
        public var recall: Double
        public var recallLower: Double
    }

    /// Recall of a label when `swallowed[b]` images of band b carry another
    /// label's machine label, of `candidates[b]` images of band b without a
    /// human label, and `human` images carry the label by human consensus.
    /// The bound is the `confidence` quantile over `draws`.
    public static func estimate(swallowed: [Int], candidates: [Int], human: Double, bands: [Band], draws: [[Double]],
                                confidence: Double) -> Estimate {
        func hiddenAndTotal(_ share: (Int) -> Double) -> (Double, Double) {
            var hidden = 0.0, total = human
            for b in bands.indices {
                hidden += Double(swallowed[b]) * share(b)
                total += Double(candidates[b]) * share(b)
            }
            return (hidden, total)
        }
        let (hidden, total) = hiddenAndTotal { (bands[$0].labelItems + 0.5) / (bands[$0].items + 1) }
        var hiddenDraws: [Double] = [], recallDraws: [Double] = []
        for draw in draws {
            let (h, t) = hiddenAndTotal { draw[$0] }
            hiddenDraws.append(h)
            recallDraws.append(t > 0 ? 1 - h / t : 1)
        }
        return Estimate(hidden: hidden, hiddenUpper: quantile(hiddenDraws, confidence), total: total,
                        recall: total > 0 ? 1 - hidden / total : 1, recallLower: quantile(recallDraws, 1 - confidence))
    }

    /// The value below which `q` of `values` lie (nearest rank).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
    }
}

/// Beta and Gamma draws (Marsaglia & Tsang 2000), for the bands' posteriors.
enum Beta {
    static func sample(a: Double, b: Double, using generator: inout SeededGenerator) -> Double {
        let x = gamma(a, &generator), y = gamma(b, &generator)
        return x + y > 0 ? x / (x + y) : 0
    }

    static func gamma(_ shape: Double, _ generator: inout SeededGenerator) -> Double {
        if shape < 1 {
            // Gamma(a) = Gamma(a + 1) · U^(1/a).
            return gamma(shape + 1, &generator) * pow(max(generator.unit(), 1e-300), 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = normal(&generator)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = generator.unit()
            if u < 1 - 0.0331 * x * x * x * x || log(max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    static func normal(_ generator: inout SeededGenerator) -> Double {
        let u1 = max(generator.unit(), 1e-300), u2 = generator.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
