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
        /// A smaller `minimumImageSteps` (the job's `convnet_image_steps`) lowers the 32 alike.
        public static func epochsFromScratch(examples: Int, minimumImageSteps floor: Int = minimumImageSteps) -> Int {
            max(scaled(32, floor), (floor + max(examples, 1) - 1) / max(examples, 1))
        }
        public static let minimumImageSteps = 19_200

        /// Epochs for a network that starts from the previous model's network
        /// of the same half (trained on a subset of these images). Measured on
        /// the benchmark's 800 test images: networks from 200 images (64
        /// epochs), continued on 400 for 16 epochs, tested at AUC 0.887 and
        /// 0.888 (12 epochs: 0.883, 0.889); trained from scratch on the 400 for
        /// 32 epochs, 0.895 and 0.870 — at half the cost.
        public static let warmStartEpochs = 16

        /// `warmStartEpochs`, scaled by the job's step floor against the default.
        public static func warmStartEpochs(minimumImageSteps floor: Int) -> Int { scaled(warmStartEpochs, floor) }

        static func scaled(_ epochs: Int, _ floor: Int) -> Int {
            max(1, Int((Double(epochs) * Double(floor) / Double(minimumImageSteps)).rounded(.up)))
        }
    }

    /// One training image: at most `side` pixels on its longer side (as
    /// `ScaledDecode.images` scales it), its target
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
}
