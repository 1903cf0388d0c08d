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
/// Fitted by Adam on the weighted cross-entropy plus L2 on w.
public struct MILHead: Codable, Sendable, Equatable {
    /// Part of a model's key: a new version retrains.
    public static let version = "mil-max-v4"
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
        /// On windows an image comes round only every count/batch steps: its
        /// positions are rescored every visit that spans about this many steps,
        /// or its active set goes stale and misleads the fit on small, faint
        /// objects (bench/README.md, 2026-12-06 late night).
        public var windowRefreshSteps = 15
        /// Positions kept per image and label between them.
        public var candidates = 16
        /// Images per step beyond `exactUpTo` images (`Minibatches`).
        public var batch = Minibatches.defaultWindow
        public var exactUpTo = Minibatches.exactUpTo
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
    /// Fits the head on maps with labels (0..<classes) and per-image weights:
    /// full-batch up to `settings.exactUpTo` images, on windows of `settings.batch`
    /// beyond (`Minibatches`), so a step's cost stops growing with the labels.
    ///
    /// The max over positions only ever looks at a few of an image's ~150
    /// positions, and they change slowly: on an image's visits 0, 1, 3, 7, 15
    /// and then every `refresh`th, all its positions are scored and it keeps
    /// its `candidates` best of each label (its active set); the visits
    /// between score only those.
    public static func fit(_ maps: [FeatureMap], labels: [Int], sampleWeights: [Double], classes: Int, l2: Double,
                           standardization: (mean: [Float], inverseDeviation: [Float]), settings: Settings = Settings()) -> MILHead {
        let channels = standardization.mean.count, k = classes - 1
        var head = MILHead(classes: classes, channels: channels, mean: standardization.mean, inverseDeviation: standardization.inverseDeviation,
                           weights: [Float](repeating: 0, count: k * channels), bias: [Float](repeating: 0, count: k))
        var adam = Adam(count: k * channels + k, rate: settings.learningRate)
        let batches = Minibatches(count: maps.count, batch: settings.batch, exactUpTo: settings.exactUpTo)
        var active = ActiveSet(batches: batches, slots: settings.candidates * k, channels: channels)
        var visits = [Int](repeating: 0, count: maps.count)
        let every = refreshEvery(images: maps.count, batches: batches, settings: settings)
        var scores = [Float](repeating: 0, count: batches.batch * active.slots * k)
        for step in 0..<settings.steps {
            let (w, b) = head.rawWeights()
            let window = batches.window(step: step)
            for i in window {
                let v = visits[i]
                if v < every ? (v & (v + 1)) == 0 : v % every == 0 {
                    active.refresh(image: i, map: maps[i], weights: w, bias: b, keeping: settings.candidates)
                }
                visits[i] += 1
            }
            active.score(from: batches.start(step: step), count: window.count, weights: w, bias: b, into: &scores)
            var rawGradient = [Float](repeating: 0, count: k * channels), sums = [Float](repeating: 0, count: k)
            let windowWeight = max(window.reduce(0) { $0 + sampleWeights[$1] }, 1e-12)
            for (r, i) in window.enumerated() {
                let rows = (r * active.slots)..<((r + 1) * active.slots)
                let (logits, at) = pooled(scores, positions: rows, classes: k)
                let p = softmax(logits)
                let scale = Float(sampleWeights[i] / windowWeight)
                for j in 0..<k {
                    let g = (Float(p[j]) - (labels[i] == j ? 1 : 0)) * scale
                    if g == 0 { continue }
                    active.accumulate(image: i, slot: at[j] - rows.lowerBound, times: g, into: &rawGradient, row: j)
                    sums[j] += g
                }
            }
            // Back to standardised channels: z = (x − μ) ⊙ σ⁻¹.
            var gradient = [Float](repeating: 0, count: k * channels + k)
            for j in 0..<k {
                for c in 0..<channels {
                    let g = (rawGradient[j * channels + c] - standardization.mean[c] * sums[j]) * standardization.inverseDeviation[c]
                    gradient[j * channels + c] = g + Float(2 * l2) * head.weights[j * channels + c]
                }
                gradient[k * channels + j] = sums[j]
            }
            adam.step(&head.weights, &head.bias, gradient: gradient)
        }
        return head
    }

    /// Visits of an image between full scorings of its positions: `refresh`
    /// when every step visits every image, otherwise the visits that span
    /// about `windowRefreshSteps` steps (at least every visit).
    static func refreshEvery(images: Int, batches: Minibatches, settings: Settings) -> Int {
        guard !batches.isFullBatch, images > 0 else { return settings.refresh }
        return max(1, Int((Double(settings.windowRefreshSteps) * Double(batches.batch) / Double(images)).rounded()))
    }

    /// Each image's candidate positions (raw channels) in fixed slots, laid
    /// out in the minibatches' order so that a window is one block; an image
    /// with fewer candidates than slots repeats its last (a copy never
    /// changes a max).
    struct ActiveSet {
        let slots: Int
        let channels: Int
        /// Where each image's slots start, in rows.
        private var rowOf: [Int]
        /// (images + first window) × slots × channels: the first window's
        /// images again at the end, so that a window that wraps is one block.
        private var x: [Float]
        private let count: Int, wrapped: Int

        init(batches: Minibatches, slots: Int, channels: Int) {
            self.slots = slots; self.channels = channels
            count = batches.order.count
            wrapped = batches.isFullBatch ? 0 : batches.batch
            var rowOf = [Int](repeating: 0, count: count)
            for (position, image) in batches.order.enumerated() { rowOf[image] = position * slots }
            self.rowOf = rowOf
            x = [Float](repeating: 0, count: (count + wrapped) * slots * channels)
        }

        /// Scores all of the image's positions and keeps its best per label.
        mutating func refresh(image i: Int, map: FeatureMap, weights w: [Float], bias b: [Float], keeping candidates: Int) {
            let k = b.count
            var all = [Float](repeating: 0, count: map.positions * k)
            MILHead.scores(map.values, positions: map.positions, channels: channels, w, b, into: &all)
            var chosen = Set<Int>()
            for j in 0..<k { chosen.formUnion(Self.best(candidates, in: 0..<map.positions, scores: all, column: j, of: k)) }
            let kept = chosen.sorted()
            for copy in copies(of: i) {
                for slot in 0..<slots {
                    let p = kept[min(slot, kept.count - 1)]
                    for c in 0..<channels { x[(copy + slot) * channels + c] = map.values[p * channels + c] }
                }
            }
        }

        /// The image's rows: its slots, and their copy at the end if it is in the first window.
        private func copies(of image: Int) -> [Int] {
            let row = rowOf[image]
            return row < wrapped * slots ? [row, (count * slots) + row] : [row]
        }

        /// Scores of every slot of `count` images from window position `start`.
        func score(from start: Int, count images: Int, weights w: [Float], bias b: [Float], into out: inout [Float]) {
            let k = b.count, rows = images * slots
            for r in 0..<rows { for j in 0..<k { out[r * k + j] = b[j] } }
            x.withUnsafeBufferPointer { all in
                let block = UnsafeBufferPointer(rebasing: all[(start * slots * channels)..<((start * slots + rows) * channels)])
                BLAS.multiply(block, rows: rows, inner: channels, transposed: w, columns: k, into: &out, adding: true)
            }
        }

        /// gradient[row] += g · (the image's slot).
        func accumulate(image i: Int, slot: Int, times g: Float, into gradient: inout [Float], row j: Int) {
            let base = (rowOf[i] + slot) * channels
            for c in 0..<channels { gradient[j * channels + c] += g * x[base + c] }
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
