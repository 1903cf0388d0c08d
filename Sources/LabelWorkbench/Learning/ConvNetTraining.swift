import Dispatch
import Foundation

/// Trains a `ConvNet` on letterboxed images and (soft) labels: AdamW with a
/// one-cycle learning rate, mini-batches whose batch-norm statistics span the
/// whole batch, and augmentation that never cuts the object off — a random
/// rescale (70–100%) and placement in the canvas, horizontal flips, colour
/// gain and offset, and grey. Seeded and deterministic; the images of a batch
/// are spread over all cores, layer by layer.
public struct ConvNetTraining {
    /// Changes whenever training would give a different network, or a
    /// different model, from the same data (4: networks score each image
    /// with its mirror image; 5 was a colour augmentation, taken back; 6: a run
    /// is stuck relative to its targets' chance level, `ChanceLevel`; 7: each
    /// network is a self-trained student, `SelfTraining`; 8: the networks'
    /// weight in the model is chosen by ranking, `BuiltinModel.chooseConvnetWeight`).
    public static let version = 8

    /// A run that has not left chance: its final loss has not come below this
    /// share of the way from the targets' floor to chance level (see
    /// `ChanceLevel`). On a few hundred images some seeds never find the object
    /// (the loss sits at chance for all 32 epochs; a run that learns ends near
    /// 0.5 of it), so `lw train` tries another seed. Some runs that learn stay
    /// at chance for 40% of their epochs, so a run is abandoned early only
    /// after `giveUpShare` of them, and only while its loss is above
    /// `giveUpShareOfChance` of chance.
    public static let stuckShareOfChance = 0.9
    public static let giveUpShare = 0.6
    public static let giveUpShareOfChance = 0.97

    /// What "learned nothing" means for a set of targets. A network that
    /// ignores the image does best by predicting the targets' mean: its loss
    /// is the cross-entropy of that mean (`chance`: ln 2 for balanced one-hot
    /// labels). No network goes below the targets' own mean entropy (`floor`:
    /// 0 for one-hot labels, 0.33 for labels 90% sure). Measured against
    /// ln(labels) alone, a stuck run on imbalanced labels was never caught
    /// (10% positives: predicting 10/90 everywhere scores 0.33, far below 90%
    /// of ln 2), and soft consensus targets counted their own uncertainty
    /// against the run.
    public struct ChanceLevel: Sendable, Equatable {
        public var chance: Double
        public var floor: Double

        public init(targets: [[Float]]) {
            guard let classes = targets.first?.count else { chance = 0; floor = 0; return }
            var mean = [Double](repeating: 0, count: classes)
            var entropy = 0.0
            for t in targets {
                for c in 0..<classes {
                    let p = Double(t[c])
                    mean[c] += p
                    if p > 0 { entropy -= p * log(p) }
                }
            }
            let n = Double(targets.count)
            floor = entropy / n
            chance = mean.reduce(0) { $0 - ($1 > 0 ? ($1 / n) * log($1 / n) : 0) }
        }

        /// Whether a run with this loss has removed less than (1 − share) of
        /// what could be learned. With nothing to learn (every target the
        /// same), no run is stuck.
        public func isStuck(loss: Double, shareOfChance: Double = ConvNetTraining.stuckShareOfChance) -> Bool {
            guard chance - floor > 1e-9 else { return false }
            return !(loss - floor <= shareOfChance * (chance - floor))
        }

        /// Whether a run ending at `loss` replaces the run kept so far (ending
        /// at `kept`): a run that learned always does (retrying stops there);
        /// among runs that all stayed stuck, the lowest loss is kept.
        public func prefers(_ loss: Double, over kept: Double?) -> Bool {
            guard let kept else { return true }
            return !isStuck(loss: loss) || loss < kept
        }
    }

    public struct Settings: Codable, Sendable, Equatable {
        public var epochs = 32
        public var batchSize = 32
        public var maxLearningRate = 4e-3
        public var weightDecay = 1e-4
        public var minimumScale = 0.7
        public var seed: UInt64 = 0
        public init() {}

        /// Epochs for a network trained from random weights on `examples`
        /// images: 32, or more on a small set so it gets at least
        /// `minimumImageSteps`. On 200 benchmark images, 32 epochs (224
        /// batches) left the network at chance with two seeds of two (test AUC
        /// 0.53, 0.51); 96 epochs reached 0.88 and 0.90.
        public static func epochsFromScratch(examples: Int) -> Int {
            max(32, (minimumImageSteps + max(examples, 1) - 1) / max(examples, 1))
        }
        public static let minimumImageSteps = 19_200

        /// Epochs for a network that starts from the previous model's network
        /// of the same half (trained on a subset of these images). Measured on
        /// the benchmark's 800 test images: networks from 200 images (64
        /// epochs), continued on 400 for 16 epochs, tested at AUC 0.887 and
        /// 0.888 (12 epochs: 0.883, 0.889); trained from scratch on the 400 for
        /// 32 epochs, 0.895 and 0.870 — at half the cost.
        public static let warmStartEpochs = 16
    }

    /// One training image: at most `side` pixels on its longer side (as
    /// `FeatureExtractor.prepare` scales it), its target
    /// distribution over the labels, and its weight in the loss.
    public struct Example: Sendable {
        public var image: RGBImage
        public var target: [Float]
        public var weight: Float
        public init(image: RGBImage, target: [Float], weight: Float = 1) {
            self.image = image
            self.target = target
            self.weight = weight
        }
    }

    /// Trains for all the epochs.
    public static func train(_ net: ConvNet, on examples: [Example], settings: Settings,
                             threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> ConvNet {
        train(net, on: examples, settings: settings, threads: threads, progress: nil) { _, _ in true }.net
    }

    /// Trains until the epochs are done or `keepGoing(epoch, mean loss)` says
    /// stop; returns the network and the last epoch's mean loss.
    public static func train(_ net: ConvNet, on examples: [Example], settings: Settings, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                             progress: ((Int, Int) -> Void)?, keepGoing: (Int, Double) -> Bool) -> (net: ConvNet, loss: Double) {
        guard !examples.isEmpty else { return (net, .nan) }
        let state = TrainingState(net: net, batchSize: min(settings.batchSize, examples.count), threads: max(1, threads))
        defer { state.release() }
        var rng = SeededGenerator(seed: settings.seed &+ 0x5EED)
        let stepsPerEpoch = (examples.count + settings.batchSize - 1) / settings.batchSize
        let schedule = OneCycle(totalSteps: settings.epochs * stepsPerEpoch, maxRate: settings.maxLearningRate)
        var optimizer = AdamW(count: state.parameterCount, weightDecay: settings.weightDecay)
        var step = 0
        var lastLoss = Double.nan
        for epoch in 0..<settings.epochs {
            var epochLoss = 0.0
            var order = Array(examples.indices)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var start = 0
            while start < order.count {
                let batch = order[start..<min(order.count, start + settings.batchSize)].map { examples[$0] }
                let augmentations = batch.map { Augmentation.draw($0.image, side: net.side, minimumScale: settings.minimumScale, rng: &rng) }
                state.step(batch, augmentations)
                epochLoss += (0..<batch.count).reduce(0) { $0 + state.losses[$1] } * Double(batch.count)
                let (rate, beta1) = schedule.at(step)
                optimizer.update(state.parameters, gradient: state.gradient, rate: rate, beta1: beta1)
                step += 1
                start += settings.batchSize
                progress?(step, schedule.totalSteps)
            }
            lastLoss = epochLoss / Double(examples.count)
            if !keepGoing(epoch, lastLoss) { break }
        }
        return (state.net(), lastLoss)
    }

    /// The weighted mean loss of a batch and its gradient with respect to the
    /// flat parameters (per block weights, γ, β; then the head), without
    /// augmentation: for checking the backward pass against finite differences.
    static func lossAndGradient(_ net: ConvNet, _ batch: [Example]) -> (loss: Double, gradient: [Float]) {
        let state = TrainingState(net: net, batchSize: batch.count, threads: 2)
        defer { state.release() }
        state.step(batch, batch.map { Augmentation.none($0.image) })
        let loss = (0..<batch.count).reduce(0) { $0 + state.losses[$1] }
        return (loss, Array(UnsafeBufferPointer(start: state.gradient, count: state.parameterCount)))
    }

    /// Random changes to one training image.
    struct Augmentation {
        var width: Int, height: Int, x: Int, y: Int
        var flip: Bool, grey: Bool
        var gain: SIMD3<Float>, offset: SIMD3<Float>

        /// No change: the image as given, at the top-left.
        static func none(_ image: RGBImage) -> Augmentation {
            Augmentation(width: image.width, height: image.height, x: 0, y: 0, flip: false, grey: false,
                         gain: SIMD3(repeating: 1), offset: SIMD3(repeating: 0))
        }

        static func draw(_ image: RGBImage, side: Int, minimumScale: Double, rng: inout SeededGenerator) -> Augmentation {
            let scale = minimumScale + (1 - minimumScale) * rng.unit()
            let w = min(side, max(8, Int((Double(image.width) * scale).rounded())))
            let h = min(side, max(8, Int((Double(image.height) * scale).rounded())))
            let x = Int(rng.next() % UInt64(side - w + 1)), y = Int(rng.next() % UInt64(side - h + 1))
            let flip = rng.unit() < 0.5
            var gain = SIMD3<Float>(Float(0.7 + 0.6 * rng.unit()), Float(0.7 + 0.6 * rng.unit()), Float(0.7 + 0.6 * rng.unit()))
            let offset = SIMD3<Float>(Float(0.2 * rng.unit() - 0.1), Float(0.2 * rng.unit() - 0.1), Float(0.2 * rng.unit() - 0.1))
            gain *= Float(0.8 + 0.4 * rng.unit())
            let grey = rng.unit() < 0.2
            return Augmentation(width: w, height: h, x: x, y: y, flip: flip, grey: grey, gain: gain, offset: offset)
        }

        /// Writes the augmented image into a zeroed padded input.
        func render(_ image: RGBImage, side: Int, into input: UnsafeMutablePointer<Float>) {
            let small = Resize.area(image, width: width, height: height)
            let pw = side + 2
            small.pixels.withUnsafeBufferPointer { px in
                for yy in 0..<height {
                    let row = input + ((y + yy + 1) * pw + x + 1) * 3
                    for xx in 0..<width {
                        let s = (yy * width + (flip ? width - 1 - xx : xx)) * 3
                        var v = SIMD3<Float>(Float(px[s]), Float(px[s + 1]), Float(px[s + 2])) / 255 - 0.5
                        v = v * gain + offset
                        if grey { v = SIMD3(repeating: (v.x + v.y + v.z) / 3) }
                        row[xx * 3] = v.x; row[xx * 3 + 1] = v.y; row[xx * 3 + 2] = v.z
                    }
                }
            }
        }
    }

    /// PyTorch's OneCycleLR (cosine; 15% warm-up from max/25, down to max/25/10⁴;
    /// Adam's β1 cycles 0.95 → 0.85 → 0.95).
    struct OneCycle {
        var totalSteps: Int
        var maxRate: Double

        func at(_ step: Int) -> (rate: Double, beta1: Double) {
            let start = maxRate / 25, end = start / 1e4
            let warm = Double(totalSteps) * 0.15 - 1
            func cosine(_ a: Double, _ b: Double, _ pct: Double) -> Double { b + (a - b) / 2 * (cos(Double.pi * pct) + 1) }
            if Double(step) <= warm {
                let pct = warm > 0 ? Double(step) / warm : 1
                return (cosine(start, maxRate, pct), cosine(0.95, 0.85, pct))
            }
            let pct = (Double(step) - warm) / max(1, Double(totalSteps - 1) - warm)
            return (cosine(maxRate, end, min(1, pct)), cosine(0.85, 0.95, min(1, pct)))
        }
    }

    /// AdamW (decoupled weight decay), as PyTorch's.
    struct AdamW {
        var m: [Float], v: [Float]
        var weightDecay: Double
        var t = 0
        var beta2 = 0.999, epsilon = 1e-8

        init(count: Int, weightDecay: Double) {
            m = [Float](repeating: 0, count: count)
            v = m
            self.weightDecay = weightDecay
        }

        mutating func update(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, rate: Double, beta1: Double) {
            t += 1
            let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
            let decay = Float(1 - rate * weightDecay), b1 = Float(beta1), b2 = Float(beta2)
            let stepSize = Float(rate / c1), root2 = Float(c2.squareRoot()), eps = Float(epsilon)
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    for i in 0..<m.count {
                        p[i] *= decay
                        m[i] = b1 * m[i] + (1 - b1) * g[i]
                        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                        p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                    }
                }
            }
        }
    }
}

/// Buffers and the forward/backward pass of one training run. Parameters and
/// their gradient are flat arrays: per block weights, γ, β; then the head.
private final class TrainingState: @unchecked Sendable {
    let shape: ConvNet
    let batchSize: Int, threads: Int
    let blocks: Int
    let sides: [Int], cins: [Int], couts: [Int], classes: Int, maps: Int
    let parameterCount: Int
    let parameters: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutablePointer<Float>
    var weightOffset: [Int] = [], gammaOffset: [Int] = [], betaOffset: [Int] = []
    let headOffset: Int, headBiasOffset: Int
    var runningMean: [[Float]], runningVariance: [[Float]]
    // Per image and block: padded input, convolution output, activation, gradient.
    var input: [[UnsafeMutablePointer<Float>]] = [], conv: [[UnsafeMutablePointer<Float>]] = []
    var activation: [[UnsafeMutablePointer<Float>]] = [], grad: [[UnsafeMutablePointer<Float>]] = []
    // Per thread: scratch. Per image: its share of the gradient and of the
    // batch-norm sums, added up in image order, so the result does not depend
    // on the number of cores.
    var paddedGradient: [UnsafeMutablePointer<Float>] = [], inputGradient: [UnsafeMutablePointer<Float>] = []
    var flippedWeights: [UnsafeMutablePointer<Float>] = []
    var imageGradient: [UnsafeMutablePointer<Float>] = []
    var imageSums: [UnsafeMutablePointer<Double>] = []
    let losses: UnsafeMutablePointer<Double>
    var allocations: [UnsafeMutableRawPointer] = []

    init(net: ConvNet, batchSize: Int, threads: Int) {
        shape = net
        self.batchSize = batchSize
        self.threads = min(threads, batchSize)
        blocks = net.channels.count
        sides = net.sides
        cins = net.inputChannels
        couts = net.channels
        classes = net.classes
        var offset = 0
        for l in 0..<blocks {
            weightOffset.append(offset); offset += 9 * cins[l] * couts[l]
            gammaOffset.append(offset); offset += couts[l]
            betaOffset.append(offset); offset += couts[l]
        }
        maps = net.classes - 1
        headOffset = offset; offset += couts[blocks - 1] * maps
        headBiasOffset = offset; offset += maps
        parameterCount = offset
        runningMean = net.runningMean
        runningVariance = net.runningVariance
        losses = .allocate(capacity: batchSize)
        parameters = .allocate(capacity: parameterCount)
        gradient = .allocate(capacity: parameterCount)
        for l in 0..<blocks {
            (parameters + weightOffset[l]).update(from: net.weights[l], count: net.weights[l].count)
            (parameters + gammaOffset[l]).update(from: net.gamma[l], count: couts[l])
            (parameters + betaOffset[l]).update(from: net.beta[l], count: couts[l])
        }
        (parameters + headOffset).update(from: net.headWeights, count: net.headWeights.count)
        (parameters + headBiasOffset).update(from: net.headBias, count: maps)
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            allocations.append(UnsafeMutableRawPointer(p))
            return p
        }
        for _ in 0..<batchSize {
            input.append((0..<blocks).map { floats((sides[$0] + 2) * (sides[$0] + 2) * cins[$0]) })
            conv.append((0..<blocks).map { floats(sides[$0] * sides[$0] * couts[$0]) })
            activation.append((0..<blocks).map { floats(sides[$0] * sides[$0] * couts[$0]) })
            grad.append((0..<blocks).map { floats(sides[$0] * sides[$0] * couts[$0]) })
        }
        let maxPadded = (0..<blocks).map { (sides[$0] + 2) * (sides[$0] + 2) * couts[$0] }.max()!
        let maxInput = (0..<blocks).map { sides[$0] * sides[$0] * cins[$0] }.max()!
        for _ in 0..<self.threads {
            paddedGradient.append(floats(maxPadded))
            inputGradient.append(floats(maxInput))
        }
        for _ in 0..<batchSize {
            imageGradient.append(floats(parameterCount))
            let sums = UnsafeMutablePointer<Double>.allocate(capacity: 2 * couts.max()!)
            allocations.append(UnsafeMutableRawPointer(sums))
            imageSums.append(sums)
        }
        for l in 0..<blocks { flippedWeights.append(floats(9 * cins[l] * couts[l])) }
    }

    func release() {
        parameters.deallocate()
        gradient.deallocate()
        losses.deallocate()
        for p in allocations { p.deallocate() }
    }

    /// Runs `body(thread, image)` for every image of the batch, spread over threads.
    /// Each thread touches only its own images and scratch buffers.
    func parallel(_ count: Int, _ body: (Int, Int) -> Void) {
        let threads = self.threads
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var i = t
                while i < count { box.value(t, i); i += threads }
            }
        }
    }

    /// Σ over the batch's images of their `imageSums` (first `n` values).
    func reduceSums(_ n: Int, images: Int) -> [Double] {
        var total = [Double](repeating: 0, count: n)
        for i in 0..<images { for j in 0..<n { total[j] += imageSums[i][j] } }
        return total
    }

    func clearSums(_ n: Int) { for i in 0..<batchSize { imageSums[i].update(repeating: 0, count: n) } }

    /// Forward and backward over one batch: leaves the mean loss's gradient in `gradient`.
    func step(_ batch: [ConvNetTraining.Example], _ augmentations: [ConvNetTraining.Augmentation]) {
        let n = batch.count
        let side = shape.side
        parallel(n) { _, i in
            self.input[i][0].update(repeating: 0, count: (side + 2) * (side + 2) * 3)
            augmentations[i].render(batch[i].image, side: side, into: self.input[i][0])
        }
        var means: [[Float]] = [], inverse: [[Float]] = []
        // Forward.
        for l in 0..<blocks {
            let s = sides[l], cin = cins[l], cout = couts[l], pixels = s * s
            let w = parameters + weightOffset[l]
            clearSums(2 * cout)
            parallel(n) { _, i in
                ConvKernels.conv3x3(self.input[i][l], side: s, cin: cin, w, cout: cout, self.conv[i][l])
                let z = self.conv[i][l], sums = self.imageSums[i]
                for p in 0..<pixels {
                    for c in 0..<cout { let v = Double(z[p * cout + c]); sums[c] += v; sums[cout + c] += v * v }
                }
            }
            let sums = reduceSums(2 * cout, images: n)
            let count = Double(n * pixels)
            var mean = [Float](repeating: 0, count: cout), inv = mean
            for c in 0..<cout {
                let m = sums[c] / count, variance = max(0, sums[cout + c] / count - m * m)
                mean[c] = Float(m)
                inv[c] = Float(1 / (variance + Double(ConvNet.batchNormEpsilon)).squareRoot())
                runningMean[l][c] = 0.9 * runningMean[l][c] + 0.1 * Float(m)
                runningVariance[l][c] = 0.9 * runningVariance[l][c] + 0.1 * Float(variance * count / max(1, count - 1))
            }
            means.append(mean); inverse.append(inv)
            let gamma = parameters + gammaOffset[l], beta = parameters + betaOffset[l]
            parallel(n) { _, i in
                let z = self.conv[i][l], a = self.activation[i][l]
                for p in 0..<pixels {
                    for c in 0..<cout { a[p * cout + c] = max(0, gamma[c] * (z[p * cout + c] - mean[c]) * inv[c] + beta[c]) }
                }
                if l + 1 < self.blocks { ConvKernels.maxPool(a, side: s, channels: cout, into: self.input[i][l + 1]) }
            }
        }
        // Head: a max-pooled score map per label but the last; softmax cross-entropy.
        let last = blocks - 1, ls = sides[last], lc = couts[last]
        let head = parameters + headOffset, headBias = parameters + headBiasOffset
        let totalWeight = max(1e-9, batch.reduce(0) { $0 + Double($1.weight) })
        gradient.update(repeating: 0, count: parameterCount)
        parallel(n) { _, i in
            self.imageGradient[i].update(repeating: 0, count: self.parameterCount)
            let a = self.activation[i][last]
            let scored = ConvNet.scoreMaps(a, positions: ls * ls, channels: lc, head: head, bias: headBias, maps: self.maps)
            let probabilities = ConvNet.softmax(scored.map { Double($0.value) } + [0])
            self.losses[i] = -zip(probabilities, batch[i].target).reduce(0) { $0 + Double($1.1) * log(max($1.0, 1e-12)) }
                * Double(batch[i].weight) / totalWeight
            let g = self.grad[i][last], tg = self.imageGradient[i]
            g.update(repeating: 0, count: ls * ls * lc)
            for k in 0..<self.maps {
                let d = Float((probabilities[k] - Double(batch[i].target[k])) * Double(batch[i].weight) / totalWeight)
                let p = scored[k].position
                for c in 0..<lc {
                    tg[self.headOffset + c * self.maps + k] += a[p * lc + c] * d
                    g[p * lc + c] += head[c * self.maps + k] * d
                }
                tg[self.headBiasOffset + k] += d
            }
        }
        // Backward, block by block.
        for l in stride(from: last, through: 0, by: -1) {
            let s = sides[l], cin = cins[l], cout = couts[l], pixels = s * s
            let mean = means[l], inv = inverse[l]
            let gamma = parameters + gammaOffset[l]
            clearSums(2 * cout)
            // Through ReLU; partial sums of dβ and dγ.
            parallel(n) { _, i in
                let z = self.conv[i][l], a = self.activation[i][l], g = self.grad[i][l], sums = self.imageSums[i]
                for p in 0..<pixels {
                    for c in 0..<cout {
                        let j = p * cout + c
                        if a[j] <= 0 { g[j] = 0; continue }
                        sums[c] += Double(g[j])
                        sums[cout + c] += Double(g[j] * (z[j] - mean[c]) * inv[c])
                    }
                }
            }
            let sums = reduceSums(2 * cout, images: n)
            let count = Float(n * pixels)
            for c in 0..<cout {
                gradient[betaOffset[l] + c] = Float(sums[c])
                gradient[gammaOffset[l] + c] = Float(sums[cout + c])
            }
            if l > 0 { ConvKernels.flipped(parameters + weightOffset[l], cin: cin, cout: cout, into: flippedWeights[l]) }
            parallel(n) { t, i in
                // Through batch norm, in place: g becomes the convolution output's gradient.
                let z = self.conv[i][l], g = self.grad[i][l]
                for p in 0..<pixels {
                    for c in 0..<cout {
                        let j = p * cout + c
                        let xhat = (z[j] - mean[c]) * inv[c]
                        g[j] = gamma[c] * inv[c] * (g[j] - Float(sums[c]) / count - xhat * Float(sums[cout + c]) / count)
                    }
                }
                ConvKernels.conv3x3WeightGradient(self.input[i][l], side: s, cin: cin, g, cout: cout,
                                                  self.imageGradient[i] + self.weightOffset[l])
                if l > 0 {
                    // Into the pooled input, then back through the pooling.
                    ConvKernels.pad(g, side: s, channels: cout, into: self.paddedGradient[t])
                    ConvKernels.conv3x3(self.paddedGradient[t], side: s, cin: cout, self.flippedWeights[l], cout: cin, self.inputGradient[t])
                    ConvKernels.maxPoolGradient(self.activation[i][l - 1], side: self.sides[l - 1], channels: cin,
                                                pooledGradient: self.inputGradient[t], into: self.grad[i][l - 1])
                }
            }
        }
        for i in 0..<n {
            let ig = imageGradient[i]
            for j in 0..<parameterCount { gradient[j] += ig[j] }
        }
    }

    /// The trained network.
    func net() -> ConvNet {
        var net = shape
        for l in 0..<blocks {
            net.weights[l] = Array(UnsafeBufferPointer(start: parameters + weightOffset[l], count: 9 * cins[l] * couts[l]))
            net.gamma[l] = Array(UnsafeBufferPointer(start: parameters + gammaOffset[l], count: couts[l]))
            net.beta[l] = Array(UnsafeBufferPointer(start: parameters + betaOffset[l], count: couts[l]))
        }
        net.headWeights = Array(UnsafeBufferPointer(start: parameters + headOffset, count: couts[blocks - 1] * maps))
        net.headBias = Array(UnsafeBufferPointer(start: parameters + headBiasOffset, count: maps))
        net.runningMean = runningMean
        net.runningVariance = runningVariance
        return net
    }
}

private final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
