import Foundation

/// What a built-in model's `weights` BLOB holds, and how it scores an image:
/// logistic regression on the cached learned-filter features and, for
/// 'filters+convnet', two convolutional networks (each trained on half of the
/// human labels) on the pixels. The scores are combined by averaging log
/// probabilities (for two labels: averaging the logits).
public struct BuiltinModel: Codable, Sendable {
    public static let kinds = ["filters", "filters+convnet"]

    public var standardizer: Standardizer
    public var regression: SoftmaxRegression
    public var convnets: [ConvNet]?

    public init(standardizer: Standardizer, regression: SoftmaxRegression, convnets: [ConvNet]? = nil) {
        self.standardizer = standardizer
        self.regression = regression
        self.convnets = convnets
    }

    /// The learned-filter part's probabilities.
    public func probabilities(_ features: [Float]) -> [Double] {
        regression.probabilities(standardizer.apply(features))
    }

    /// Normalised geometric mean of probability vectors.
    public static func combine(_ parts: [[Double]]) -> [Double] {
        guard let first = parts.first else { return [] }
        if parts.count == 1 { return first }
        let logs = first.indices.map { c in parts.reduce(0) { $0 + log(max($1[c], 1e-12)) } / Double(parts.count) }
        return ConvNet.softmax(logs)
    }

    /// The networks' combined probabilities for image files, decoded and
    /// scored on every core (nil where a file cannot be read or decoded).
    public func convnetProbabilities(paths: [String]) -> [[Double]?] {
        guard let nets = convnets, let side = nets.first?.side else { return paths.map { _ in nil } }
        let inference = nets.map(ConvNet.Inference.init)
        return parallelMap(paths) { path in
            guard let bytes = try? FileReader.readAll(path),
                  let image = try? bytes.withUnsafeBytes({ try FeatureExtractor.prepare($0, sides: [side]) }).first else { return nil }
            return BuiltinModel.combine(inference.map { $0.probabilities(letterboxed: image) })
        }
    }

    /// The networks' input for image files: decoded on every core, scaled so
    /// the longer side is `side`. nil where a file cannot be read or decoded.
    static func convnetInputs(paths: [String], side: Int) -> [RGBImage?] {
        parallelMap(paths) { path in
            guard let bytes = try? FileReader.readAll(path) else { return nil }
            return try? bytes.withUnsafeBytes { try FeatureExtractor.prepare($0, sides: [side]) }.first
        }
    }
}
