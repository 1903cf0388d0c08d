import Foundation

/// A small convolutional network that finds a small object anywhere in the
/// frame: five blocks of [3×3 convolution → batch norm → ReLU] (8, 16, 32, 64,
/// 64 channels; 2×2 max pooling after the first four), then a 1×1 convolution
/// giving a score map per label, each max-pooled over the whole image
/// (classify, then max-pool: a sliding-window detector trained from image
/// labels), then softmax. The last label has no map: its score is 0, so it
/// means "none of the others found" — list the label of absence last
/// (logo,no_logo). With a map for it too, the network learned nothing on
/// 400 benchmark images with two of three seeds: the absence map's gradient
/// at random background positions drowned the search for the logo.
/// The image is letterboxed: scaled so its longer side is `side`, placed at
/// the top-left of a side × side canvas of mid-grey. About 80 M multiply-adds
/// per image at 256 px.
public struct ConvNet: Codable, Sendable, Equatable {
    public static let defaultChannels = [8, 16, 32, 64, 64]
    public static let batchNormEpsilon: Float = 1e-5

    public var side: Int
    public var channels: [Int]
    public var classes: Int
    /// Per block: 9·cin × cout, row (dy·3 + dx)·cin + ci.
    public var weights: [[Float]]
    public var gamma: [[Float]]
    public var beta: [[Float]]
    public var runningMean: [[Float]]
    public var runningVariance: [[Float]]
    /// channels.last × (classes − 1), and one bias per map: the last label has
    /// no map (its score is 0).
    public var headWeights: [Float]
    public var headBias: [Float]

    public var inputChannels: [Int] { [3] + channels.dropLast() }
    /// The side of each block's maps.
    public var sides: [Int] { channels.indices.map { side >> $0 } }

    /// PyTorch's default initialisation (uniform ±1/√fan-in), seeded.
    public init(side: Int, channels: [Int] = ConvNet.defaultChannels, classes: Int, seed: UInt64) {
        precondition(side % (4 << (channels.count - 1)) == 0, "side must be a multiple of 4·2^(blocks−1)")
        self.side = side
        self.channels = channels
        self.classes = classes
        var rng = SeededGenerator(seed: seed)
        func uniform(_ count: Int, bound: Double) -> [Float] {
            (0..<count).map { _ in Float((rng.unit() * 2 - 1) * bound) }
        }
        let cins = [3] + channels.dropLast()
        weights = zip(cins, channels).map { cin, cout in uniform(9 * cin * cout, bound: 1 / Double(9 * cin).squareRoot()) }
        gamma = channels.map { [Float](repeating: 1, count: $0) }
        beta = channels.map { [Float](repeating: 0, count: $0) }
        runningMean = channels.map { [Float](repeating: 0, count: $0) }
        runningVariance = channels.map { [Float](repeating: 1, count: $0) }
        let last = channels.last!
        headWeights = uniform(last * (classes - 1), bound: 1 / Double(last).squareRoot())
        headBias = uniform(classes - 1, bound: 1 / Double(last).squareRoot())
    }

    // Stored compactly: the Float32 values as one base64 string (a JSON array
    // of 120,000 decimals would be five times larger in every model row).
    enum CodingKeys: String, CodingKey { case side, channels, classes, parameters }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(side: try c.decode(Int.self, forKey: .side), channels: try c.decode([Int].self, forKey: .channels),
                  classes: try c.decode(Int.self, forKey: .classes), seed: 0)
        let data = try c.decode(Data.self, forKey: .parameters)
        var values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }[...]
        guard values.count == flatCount else {
            throw DecodingError.dataCorruptedError(forKey: .parameters, in: c, debugDescription: "\(values.count) values, expected \(flatCount)")
        }
        func take(_ n: Int) -> [Float] { defer { values = values.dropFirst(n) }; return Array(values.prefix(n)) }
        for l in channels.indices {
            weights[l] = take(weights[l].count); gamma[l] = take(channels[l]); beta[l] = take(channels[l])
            runningMean[l] = take(channels[l]); runningVariance[l] = take(channels[l])
        }
        headWeights = take(headWeights.count)
        headBias = take(classes - 1)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(side, forKey: .side)
        try c.encode(channels, forKey: .channels)
        try c.encode(classes, forKey: .classes)
        var flat: [Float] = []
        for l in channels.indices { flat += weights[l] + gamma[l] + beta[l] + runningMean[l] + runningVariance[l] }
        flat += headWeights + headBias
        try c.encode(flat.withUnsafeBytes { Data($0) }, forKey: .parameters)
    }

    var flatCount: Int {
        channels.indices.reduce(0) { $0 + weights[$1].count + 4 * channels[$1] } + headWeights.count + classes - 1
    }

    /// The network with batch norm folded into the convolutions, for prediction.
    public struct Inference: Sendable {
        let net: ConvNet
        let foldedWeights: [[Float]]
        let foldedBias: [[Float]]

        public init(_ net: ConvNet) {
            self.net = net
            var fw: [[Float]] = [], fb: [[Float]] = []
            for (l, cout) in net.channels.enumerated() {
                var w = net.weights[l]
                var b = [Float](repeating: 0, count: cout)
                for c in 0..<cout {
                    let scale = net.gamma[l][c] / (net.runningVariance[l][c] + ConvNet.batchNormEpsilon).squareRoot()
                    b[c] = net.beta[l][c] - net.runningMean[l][c] * scale
                    var r = c
                    while r < w.count { w[r] *= scale; r += cout }
                }
                fw.append(w)
                fb.append(b)
            }
            foldedWeights = fw
            foldedBias = fb
        }

        /// With `mirror`, the geometric mean of the image's and its mirror
        /// image's probabilities (test-time flip: the network was trained on
        /// both, and the two views' errors partly cancel).
        public func probabilities(letterboxed image: RGBImage, mirror: Bool) -> [Double] {
            guard mirror else { return probabilities(letterboxed: image) }
            return ConvNet.productOfExperts([probabilities(letterboxed: image), probabilities(letterboxed: image.mirrored())])
        }

        public func probabilities(letterboxed image: RGBImage) -> [Double] {
            ConvNet.softmax(scoreMapMaxima(letterboxed: image).map { Double($0.value) } + [0])
        }

        /// Each score map's maximum and its position (row-major on the last
        /// block's grid, `net.sides.last!` cells a side): where the network
        /// sees each label.
        public func scoreMapMaxima(letterboxed image: RGBImage) -> [(value: Float, position: Int)] {
            let sides = net.sides, cins = net.inputChannels
            var input = [Float](repeating: 0, count: (net.side + 2) * (net.side + 2) * 3)
            input.withUnsafeMutableBufferPointer { ConvNet.fill($0.baseAddress!, side: net.side, image: image) }
            var maxima: [(value: Float, position: Int)] = []
            for l in net.channels.indices {
                let s = sides[l], cout = net.channels[l]
                var z = [Float](repeating: 0, count: s * s * cout)
                input.withUnsafeBufferPointer { inp in
                    foldedWeights[l].withUnsafeBufferPointer { w in
                        z.withUnsafeMutableBufferPointer { out in
                            ConvKernels.conv3x3(inp.baseAddress!, side: s, cin: cins[l], w.baseAddress!, cout: cout, out.baseAddress!)
                        }
                    }
                }
                let bias = foldedBias[l]
                for i in 0..<z.count { z[i] = max(0, z[i] + bias[i % cout]) }
                if l + 1 < net.channels.count {
                    input = [Float](repeating: 0, count: (s / 2 + 2) * (s / 2 + 2) * cout)
                    z.withUnsafeBufferPointer { a in
                        input.withUnsafeMutableBufferPointer { ConvKernels.maxPool(a.baseAddress!, side: s, channels: cout, into: $0.baseAddress!) }
                    }
                } else {
                    maxima = z.withUnsafeBufferPointer { a in
                        net.headWeights.withUnsafeBufferPointer { h in
                            net.headBias.withUnsafeBufferPointer { b in
                                ConvNet.scoreMaps(a.baseAddress!, positions: s * s, channels: cout, head: h.baseAddress!, bias: b.baseAddress!,
                                                  maps: net.classes - 1)
                            }
                        }
                    }
                }
            }
            return maxima
        }
    }

    /// Writes a letterboxed image as (pixel/255 − 0.5) at the top-left of the
    /// padded (side + 2)² × 3 input; the rest stays 0 (mid-grey).
    static func fill(_ input: UnsafeMutablePointer<Float>, side: Int, image: RGBImage) {
        let pw = side + 2
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<min(side, image.height) {
                let row = input + ((y + 1) * pw + 1) * 3
                for i in 0..<(min(side, image.width) * 3) { row[i] = Float(px[y * image.width * 3 + i]) / 255 - 0.5 }
            }
        }
    }

    /// The head: for each of `maps` labels, the score map (a 1×1 convolution
    /// of the last block's activations a, positions × channels) max-pooled,
    /// with the position of the maximum.
    static func scoreMaps(_ a: UnsafePointer<Float>, positions: Int, channels lc: Int, head: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                          maps: Int) -> [(value: Float, position: Int)] {
        var best = (0..<maps).map { _ in (value: -Float.infinity, position: 0) }
        for p in 0..<positions {
            for k in 0..<maps {
                var m = bias[k]
                for c in 0..<lc { m += a[p * lc + c] * head[c * maps + k] }
                if m > best[k].value { best[k] = (m, p) }
            }
        }
        return best
    }

    /// Probability distributions combined as a product of experts: the
    /// weighted sum of their log-probabilities (equal weights summing to one
    /// by default: the geometric mean), normalised.
    public static func productOfExperts(_ parts: [[Double]], weights: [Double]? = nil) -> [Double] {
        guard let first = parts.first else { return [] }
        if parts.count == 1 { return first }
        let w = weights ?? parts.map { _ in 1 / Double(parts.count) }
        return softmax(first.indices.map { c in zip(parts, w).reduce(0) { $0 + $1.1 * log(max($1.0[c], 1e-12)) } })
    }

    static func softmax(_ logits: [Double]) -> [Double] {
        let top = logits.max() ?? 0
        let e = logits.map { exp($0 - top) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }
}
