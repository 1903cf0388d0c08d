import Foundation

/// A multiple-instance classifier on backbone maps: a linear score at every
/// position of an image's map, max-pooled over positions. The object can be
/// small and anywhere; pooling first would blur it with the background, so
/// the head classifies each position, then keeps the strongest.
///
/// Labels but the last each get a score map, logit_k = max_p (w_k · z_p + b_k)
/// on channel-standardised features z; the last label is the reference with
/// logit 0 ("none of them": name it last, as for object copies), and a
/// softmax gives the probabilities. With two labels this is a logistic
/// "is the object anywhere?" model.
///
/// Fitted by full-batch Adam on the weighted cross-entropy plus L2 on w.
public struct MILHead: Codable, Sendable, Equatable {
    /// Part of a model's key: a new version retrains.
    public static let version = "mil-max-v2"
    public var classes: Int
    public var channels: Int
    /// Channel standardisation, folded into the weights when scoring.
    public var mean: [Float]
    public var inverseDeviation: [Float]
    /// (classes − 1) × channels, on standardised channels.
    public var weights: [Float]
    public var bias: [Float]

    public struct Settings: Sendable {
        public var steps = 300
        public var learningRate: Float = 0.01
        /// Steps between full scorings of every position (`fit`'s active set);
        /// chosen by measurement (bench/README.md, 2026-12-06).
        public var refresh = 10
        /// Positions kept per image and label between them.
        public var candidates = 16
        public init() {}
    }

    /// Channel means and inverse deviations over every position of `maps`.
    public static func standardization(_ maps: [FeatureMap]) -> (mean: [Float], inverseDeviation: [Float]) {
        let c = maps.first?.channels ?? 0
        var sum = [Double](repeating: 0, count: c), squares = [Double](repeating: 0, count: c), n = 0.0
        for map in maps {
            map.values.withUnsafeBufferPointer { v in
                for p in 0..<map.positions {
                    for ch in 0..<c { let x = Double(v[p * c + ch]); sum[ch] += x; squares[ch] += x * x }
                }
            }
            n += Double(map.positions)
        }
        let mean = (0..<c).map { Float(sum[$0] / max(n, 1)) }
        let inverse = (0..<c).map { ch -> Float in
            let variance = max(squares[ch] / max(n, 1) - Double(mean[ch]) * Double(mean[ch]), 0)
            return Float(1 / (variance.squareRoot() + 1e-3))
        }
        return (mean, inverse)
    }

    /// Probabilities of every label for one map.
    public func probabilities(_ map: FeatureMap) -> [Double] {
        let (w, b) = rawWeights()
        var scores = [Float](repeating: 0, count: map.positions * (classes - 1))
        Self.scores(map.values, positions: map.positions, channels: channels, w, b, into: &scores)
        return Self.softmax(Self.pooled(scores, positions: 0..<map.positions, classes: classes - 1).logits)
    }

    /// Weights and biases on raw (unstandardised) channels:
    /// w · (x − μ) ⊙ σ⁻¹ + b = (w ⊙ σ⁻¹) · x + (b − Σ w ⊙ σ⁻¹ ⊙ μ).
    func rawWeights() -> (weights: [Float], bias: [Float]) {
        var w = weights, b = bias
        for k in 0..<(classes - 1) {
            var shift: Float = 0
            for c in 0..<channels { w[k * channels + c] *= inverseDeviation[c]; shift += w[k * channels + c] * mean[c] }
            b[k] -= shift
        }
        return (w, b)
    }

    /// scores[p][k] = w_k · x_p + b_k for every position of a stack of maps.
    static func scores(_ x: [Float], positions: Int, channels: Int, _ w: [Float], _ b: [Float], into out: inout [Float]) {
        let k = b.count
        guard positions > 0, k > 0 else { return }
        for p in 0..<positions { for j in 0..<k { out[p * k + j] = b[j] } }
        BLAS.multiply(x, rows: positions, inner: channels, transposed: w, columns: k, into: &out, adding: true)
    }

    /// Each class's max over an image's positions, and where it was.
    static func pooled(_ scores: [Float], positions: Range<Int>, classes k: Int) -> (logits: [Double], argmax: [Int]) {
        var best = [Float](repeating: -.infinity, count: k), at = [Int](repeating: positions.lowerBound, count: k)
        for p in positions { for j in 0..<k where scores[p * k + j] > best[j] { best[j] = scores[p * k + j]; at[j] = p } }
        return (best.map(Double.init), at)
    }

    /// Softmax over the pooled logits and the reference label's 0.
    static func softmax(_ logits: [Double]) -> [Double] {
        let all = logits + [0], top = all.max() ?? 0
        let e = all.map { exp($0 - top) }, total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}

extension MILHead {
    /// Fits the head on maps with labels (0..<classes) and per-image weights.
    ///
    /// The max over positions only ever looks at a few of an image's ~150
    /// positions, and they change slowly: every `refresh` steps all positions
    /// are scored and each image keeps its `candidates` best of each label
    /// (an active set); the steps between score only those.
    public static func fit(_ maps: [FeatureMap], labels: [Int], sampleWeights: [Double], classes: Int, l2: Double,
                           standardization: (mean: [Float], inverseDeviation: [Float]), settings: Settings = Settings()) -> MILHead {
        let channels = standardization.mean.count, k = classes - 1
        let (z, offsets) = standardizedStack(maps, standardization)
        let totalWeight = max(sampleWeights.reduce(0, +), 1e-12)
        var head = MILHead(classes: classes, channels: channels, mean: standardization.mean, inverseDeviation: standardization.inverseDeviation,
                           weights: [Float](repeating: 0, count: k * channels), bias: [Float](repeating: 0, count: k))
        var adam = Adam(count: k * channels + k, rate: settings.learningRate)
        var active = ActiveSet(z: [], offsets: [0], channels: channels)
        var scores: [Float] = []
        for step in 0..<settings.steps {
            // Early steps move the weights most: refresh at steps 0, 1, 3, 7, 15, then every `refresh`.
            if step < settings.refresh ? (step & (step + 1)) == 0 : step % settings.refresh == 0 {
                active = ActiveSet(keeping: settings.candidates, of: z, offsets: offsets, channels: channels, head: head)
                scores = [Float](repeating: 0, count: active.rows * k)
            }
            Self.scores(active.z, positions: active.rows, channels: channels, head.weights, head.bias, into: &scores)
            var gradient = [Float](repeating: 0, count: k * channels + k)
            for i in maps.indices {
                let (logits, at) = pooled(scores, positions: active.offsets[i]..<active.offsets[i + 1], classes: k)
                let p = softmax(logits)
                let scale = Float(sampleWeights[i] / totalWeight)
                for j in 0..<k {
                    let g = (Float(p[j]) - (labels[i] == j ? 1 : 0)) * scale
                    if g == 0 { continue }
                    let row = at[j] * channels
                    for c in 0..<channels { gradient[j * channels + c] += g * active.z[row + c] }
                    gradient[k * channels + j] += g
                }
            }
            for i in 0..<(k * channels) { gradient[i] += Float(2 * l2) * head.weights[i] }
            adam.step(&head.weights, &head.bias, gradient: gradient)
        }
        return head
    }

    /// Every position of every map, standardised, in one positions × channels
    /// stack, and where each image's positions start (one past the last at the end).
    static func standardizedStack(_ maps: [FeatureMap], _ standardization: (mean: [Float], inverseDeviation: [Float])) -> ([Float], [Int]) {
        let channels = standardization.mean.count
        var offsets = [0]
        for m in maps { offsets.append(offsets.last! + m.positions) }
        var z = [Float](repeating: 0, count: offsets.last! * channels)
        z.withUnsafeMutableBufferPointer { zb in
            for (i, m) in maps.enumerated() {
                m.values.withUnsafeBufferPointer { v in
                    let base = offsets[i] * channels
                    for p in 0..<m.positions {
                        for c in 0..<channels { zb[base + p * channels + c] = (v[p * channels + c] - standardization.mean[c]) * standardization.inverseDeviation[c] }
                    }
                }
            }
        }
        return (z, offsets)
    }

    /// The positions each image's max can come from for now: its best
    /// `candidates` by each label's current score, copied into a small stack.
    struct ActiveSet {
        var z: [Float]
        var offsets: [Int]
        var channels: Int
        var rows: Int { offsets.last! }

        init(z: [Float], offsets: [Int], channels: Int) { self.z = z; self.offsets = offsets; self.channels = channels }

        init(keeping candidates: Int, of all: [Float], offsets: [Int], channels: Int, head: MILHead) {
            let k = head.classes - 1
            var scores = [Float](repeating: 0, count: offsets.last! * k)
            MILHead.scores(all, positions: offsets.last!, channels: channels, head.weights, head.bias, into: &scores)
            var kept: [Int] = [], starts = [0]
            for i in 0..<(offsets.count - 1) {
                var chosen = Set<Int>()
                for j in 0..<k { chosen.formUnion(Self.best(candidates, in: offsets[i]..<offsets[i + 1], scores: scores, column: j, of: k)) }
                kept += chosen.sorted()
                starts.append(kept.count)
            }
            var z = [Float](repeating: 0, count: kept.count * channels)
            for (row, p) in kept.enumerated() { for c in 0..<channels { z[row * channels + c] = all[p * channels + c] } }
            self.init(z: z, offsets: starts, channels: channels)
        }

        /// The `count` positions of `range` with the highest score in `column`
        /// (ties: the lower position), by insertion into a short sorted list.
        static func best(_ count: Int, in range: Range<Int>, scores: [Float], column j: Int, of k: Int) -> [Int] {
            var top: [(score: Float, position: Int)] = []
            top.reserveCapacity(count + 1)
            for p in range {
                let score = scores[p * k + j]
                if top.count == count, let last = top.last, score <= last.score { continue }
                var at = top.count
                while at > 0 && top[at - 1].score < score { at -= 1 }
                top.insert((score, p), at: at)
                if top.count > count { top.removeLast() }
            }
            return top.map(\.position)
        }
    }

    /// Adam (Kingma & Ba) over the weights then the biases, one flat vector.
    struct Adam {
        var m: [Float], v: [Float], t = 0
        let rate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

        init(count: Int, rate: Float) {
            m = [Float](repeating: 0, count: count); v = m; self.rate = rate
        }

        mutating func step(_ weights: inout [Float], _ bias: inout [Float], gradient: [Float]) {
            t += 1
            let c1 = 1 - pow(beta1, Float(t)), c2 = 1 - pow(beta2, Float(t))
            for i in gradient.indices {
                m[i] = beta1 * m[i] + (1 - beta1) * gradient[i]
                v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i]
                let update = rate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
                if i < weights.count { weights[i] -= update } else { bias[i - weights.count] -= update }
            }
        }
    }
}
