import Foundation

/// An activation map, channels last: values[(y · width + x) · channels + c].
public struct FeatureMap: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var channels: Int
    public var values: [Float]

    public init(height: Int, width: Int, channels: Int, values: [Float]) {
        precondition(values.count == height * width * channels, "map size does not match \(height)x\(width)x\(channels)")
        self.height = height; self.width = width; self.channels = channels; self.values = values
    }

    var positions: Int { height * width }
}

/// TensorFlow's "SAME" padding for one axis (what the backbone was trained
/// with): the output is ⌈n / stride⌉ long, and an odd total padding puts the
/// extra pixel after the image (bottom / right).
struct SamePadding {
    var output: Int
    var before: Int

    init(input n: Int, kernel: Int, stride: Int) {
        output = (n + stride - 1) / stride
        before = max((output - 1) * stride + kernel - n, 0) / 2
    }
}

/// A convolution followed by its BatchNorm, folded into one weight and bias
/// at load time: w' = w · γ/√(σ²+ε), b' = β − μ · γ/√(σ²+ε).
struct FoldedWeights {
    var weights: [Float]   // [out][rest], as the checkpoint stores them
    var bias: [Float]

    init(conv: TorchCheckpoint.Tensor, batchNorm prefix: String, in checkpoint: TorchCheckpoint, epsilon: Float) throws {
        func tensor(_ name: String) throws -> [Float] {
            guard let t = checkpoint[prefix + name] else { throw TorchCheckpoint.Failure(description: "the checkpoint has no \(prefix + name)") }
            return t.values
        }
        let gamma = try tensor("weight"), beta = try tensor("bias"), mean = try tensor("running_mean"), variance = try tensor("running_var")
        let outputs = conv.shape[0], rest = conv.values.count / outputs
        guard gamma.count == outputs else { throw TorchCheckpoint.Failure(description: "\(prefix)weight has \(gamma.count) values for \(outputs) channels") }
        weights = conv.values
        bias = [Float](repeating: 0, count: outputs)
        for o in 0..<outputs {
            let scale = gamma[o] / (variance[o] + epsilon).squareRoot()
            for i in 0..<rest { weights[o * rest + i] *= scale }
            bias[o] = beta[o] - mean[o] * scale
        }
    }
}

/// ReLU6, the Lite models' activation (kept for quantisation-friendliness).
@inline(__always) func relu6(_ p: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { p[i] = min(max(p[i], 0), 6) }
}

/// A 1×1 convolution: a matrix product of the (positions × in) map with the
/// (out × in) weights, through OpenBLAS.
struct PointwiseConv: Sendable {
    var inputs: Int
    var outputs: Int
    var weights: [Float]
    var bias: [Float]
    var activation: Bool

    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        precondition(x.channels == inputs, "pointwise conv expects \(inputs) channels, got \(x.channels)")
        let rows = x.positions
        var out = [Float](repeating: 0, count: rows * outputs)
        out.withUnsafeMutableBufferPointer { o in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { (o.baseAddress! + r * outputs).update(from: b.baseAddress!, count: outputs) }
            }
        }
        BLAS.multiply(x.values, rows: rows, inner: inputs, transposed: weights, columns: outputs, into: &out, adding: true)
        if activation { out.withUnsafeMutableBufferPointer { relu6($0.baseAddress!, count: $0.count) } }
        return FeatureMap(height: x.height, width: x.width, channels: outputs, values: out)
    }
}

/// A depthwise k×k convolution with stride and SAME padding, then ReLU6.
/// Weights are stored [ky][kx][c] so the inner loop runs over channels.
struct DepthwiseConv: Sendable {
    var channels: Int
    var kernel: Int
    var stride: Int
    var weights: [Float]
    var bias: [Float]

    init(folded: FoldedWeights, channels: Int, kernel: Int, stride: Int) {
        self.channels = channels; self.kernel = kernel; self.stride = stride
        bias = folded.bias
        weights = [Float](repeating: 0, count: kernel * kernel * channels)
        for c in 0..<channels { for k in 0..<(kernel * kernel) { weights[k * channels + c] = folded.weights[c * kernel * kernel + k] } }
    }

    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        let py = SamePadding(input: x.height, kernel: kernel, stride: stride)
        let px = SamePadding(input: x.width, kernel: kernel, stride: stride)
        let c = channels
        var out = [Float](repeating: 0, count: py.output * px.output * c)
        x.values.withUnsafeBufferPointer { input in
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { o in
                        for oy in 0..<py.output {
                            for ox in 0..<px.output {
                                let acc = o.baseAddress! + (oy * px.output + ox) * c
                                acc.update(from: b.baseAddress!, count: c)
                                for ky in 0..<kernel {
                                    let iy = oy * stride - py.before + ky
                                    if iy < 0 || iy >= x.height { continue }
                                    for kx in 0..<kernel {
                                        let ix = ox * stride - px.before + kx
                                        if ix < 0 || ix >= x.width { continue }
                                        let src = input.baseAddress! + (iy * x.width + ix) * c
                                        let wk = w.baseAddress! + (ky * kernel + kx) * c
                                        for ch in 0..<c { acc[ch] += src[ch] * wk[ch] }
                                    }
                                }
                                relu6(acc, count: c)
                            }
                        }
                    }
                }
            }
        }
        return FeatureMap(height: py.output, width: px.output, channels: c, values: out)
    }
}

/// The stem: a 3×3 stride-2 convolution of the RGB input (scaled to
/// (v − 127) / 128) as one matrix product over its unfolded patches, then ReLU6.
struct StemConv: Sendable {
    var outputs: Int
    var weights: [Float]   // [out][in=3][3][3]
    var bias: [Float]
    static let kernel = 3, stride = 2

    func callAsFunction(_ image: RGBImage) -> FeatureMap {
        let py = SamePadding(input: image.height, kernel: Self.kernel, stride: Self.stride)
        let px = SamePadding(input: image.width, kernel: Self.kernel, stride: Self.stride)
        let rows = py.output * px.output, depth = 27
        var patches = [Float](repeating: 0, count: rows * depth)
        image.pixels.withUnsafeBufferPointer { pixels in
            patches.withUnsafeMutableBufferPointer { p in
                for oy in 0..<py.output {
                    for ox in 0..<px.output {
                        let row = p.baseAddress! + (oy * px.output + ox) * depth
                        for ky in 0..<3 {
                            let iy = oy * 2 - py.before + ky
                            if iy < 0 || iy >= image.height { continue }
                            for kx in 0..<3 {
                                let ix = ox * 2 - px.before + kx
                                if ix < 0 || ix >= image.width { continue }
                                let src = (iy * image.width + ix) * 3
                                for c in 0..<3 { row[c * 9 + ky * 3 + kx] = (Float(pixels[src + c]) - 127) / 128 }
                            }
                        }
                    }
                }
            }
        }
        let unfolded = FeatureMap(height: py.output, width: px.output, channels: depth, values: patches)
        return PointwiseConv(inputs: depth, outputs: outputs, weights: weights, bias: bias, activation: true)(unfolded)
    }
}
