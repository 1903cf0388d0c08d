import Dispatch
import Foundation

/// Buffers and the forward/backward pass of one training run. Parameters and
/// their gradient are flat arrays: per block weights, γ, β; then the head.
final class TrainingState: @unchecked Sendable {
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
        let norms = (0..<blocks).map { forward(block: $0, images: n) }
        gradient.update(repeating: 0, count: parameterCount)
        headLossAndGradient(batch)
        for l in stride(from: blocks - 1, through: 0, by: -1) {
            backward(block: l, images: n, mean: norms[l].mean, inverse: norms[l].inverse)
        }
        for i in 0..<n {
            let ig = imageGradient[i]
            for j in 0..<parameterCount { gradient[j] += ig[j] }
        }
    }

    /// One block forward: convolution, batch norm on the batch's statistics
    /// (the running ones updated), ReLU, and pooling into the next block's input.
    private func forward(block l: Int, images n: Int) -> (mean: [Float], inverse: [Float]) {
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
        let gamma = parameters + gammaOffset[l], beta = parameters + betaOffset[l]
        parallel(n) { _, i in
            let z = self.conv[i][l], a = self.activation[i][l]
            for p in 0..<pixels {
                for c in 0..<cout { a[p * cout + c] = max(0, gamma[c] * (z[p * cout + c] - mean[c]) * inv[c] + beta[c]) }
            }
            if l + 1 < self.blocks { ConvKernels.maxPool(a, side: s, channels: cout, into: self.input[i][l + 1]) }
        }
        return (mean, inv)
    }

    /// The head: a max-pooled score map per label but the last; softmax
    /// cross-entropy. Leaves each image's loss, its head gradient, and the
    /// gradient of the last block's activation.
    private func headLossAndGradient(_ batch: [ConvNetTraining.Example]) {
        let last = blocks - 1, ls = sides[last], lc = couts[last]
        let head = parameters + headOffset, headBias = parameters + headBiasOffset
        let totalWeight = max(1e-9, batch.reduce(0) { $0 + Double($1.weight) })
        parallel(batch.count) { _, i in
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
    }

    /// One block backward: through ReLU and batch norm (dβ, dγ into
    /// `gradient`), the convolution's weight gradient per image, and — but for
    /// the first block — back through the pooling into the previous block.
    private func backward(block l: Int, images n: Int, mean: [Float], inverse inv: [Float]) {
        let s = sides[l], cin = cins[l], cout = couts[l], pixels = s * s
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
