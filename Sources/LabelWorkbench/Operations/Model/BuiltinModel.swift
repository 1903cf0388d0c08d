import Foundation

/// What a built-in model's `weights` BLOB holds, and how it scores an image:
/// logistic regression on the cached learned-filter features and, for
/// 'filters+convnet', two convolutional networks (each trained on half of the
/// human labels) on the pixels. The parts are combined as a product of
/// experts: the filters' log-probabilities plus the networks' times a weight
/// (for two labels: logit = filters' logit + w · networks' logit), w chosen
/// by out-of-fold log-loss.
public struct BuiltinModel: Codable, Sendable {
    public static let kinds = ["filters", "filters+convnet"]
    /// The networks' weights `lw train` chooses from.
    public static let convnetWeights = [0, 0.25, 0.5, 0.75, 1]
    /// The backbone head's weights `lw train` chooses from (beside the filters' 1).
    public static let backboneWeights = [0, 0.25, 0.5, 1, 2, 4, 8]

    public var standardizer: Standardizer
    public var regression: SoftmaxRegression
    public var convnets: [ConvNet]?
    public var convnetWeight: Double?
    /// Whether the networks score each image together with its mirror image
    /// (`ConvNet.Inference.probabilities(letterboxed:mirror:)`); nil in models
    /// trained before (ConvNetTraining version < 4), whose thresholds were
    /// found without it.
    public var mirrorsImages: Bool?
    /// The pretrained backbone's head (`MILHead`), the backbone it reads
    /// (`backbone.id`) and its weight; nil in models without it.
    public var backbone: MILHead?
    public var backboneId: Int64?
    public var backboneWeight: Double?
    /// The head fitted on the job's references pasted into its pictures
    /// (`ReferenceHead`) and its weight; nil in models without references.
    public var reference: MILHead?
    public var referenceWeight: Double?
    /// A round-0 model: the reference head alone ranks images (no filters, no threshold).
    public var referenceOnly: Bool?

    /// The reference head's weights `lw train` chooses from.
    public static let referenceWeights = [0, 0.25, 0.5, 1, 2]

    public init(standardizer: Standardizer, regression: SoftmaxRegression, convnets: [ConvNet]? = nil, convnetWeight: Double? = nil,
                mirrorsImages: Bool? = nil) {
        self.standardizer = standardizer
        self.regression = regression
        self.convnets = convnets
        self.convnetWeight = convnetWeight
        self.mirrorsImages = mirrorsImages
    }

    /// Whether auto-label scores with the networks: they are kept even at
    /// weight 0, as the next round's starting point.
    public var scoresWithConvnets: Bool { convnets != nil && (convnetWeight ?? 1) > 0 }

    /// The learned-filter part's probabilities.
    public func probabilities(_ features: [Float]) -> [Double] {
        regression.probabilities(standardizer.apply(features))
    }

    /// Normalised weighted product of probability vectors, Π pᵢ^wᵢ (a
    /// geometric mean when the weights are equal and sum to one, the default).
    public static func combine(_ parts: [[Double]], weights: [Double]? = nil) -> [Double] {
        ConvNet.productOfExperts(parts, weights: weights)
    }

    /// The filters' and the networks' probabilities combined: the filters'
    /// log-probabilities plus the networks' times their weight, normalised.
    public func combined(filters: [Double], convnet: [Double]) -> [Double] {
        Self.combine([filters, convnet], weights: [1, convnetWeight ?? 1])
    }

    /// Whether auto-label reads the images' backbone maps (a backbone head or a reference head).
    public var readsMaps: Bool { backbone != nil || reference != nil }

    /// `base` (the filters', or uniform for a round-0 model) combined with the
    /// heads that read `map`, each at its weight.
    public func combined(_ base: [Double], map: FeatureMap) -> [Double] {
        var parts = [base], weights = [1.0]
        if let backbone {
            parts.append(backbone.probabilities(map))
            weights.append(backboneWeight ?? 1)
        }
        if let reference {
            parts.append(reference.probabilities(map))
            weights.append(referenceWeight ?? 1)
        }
        return Self.combine(parts, weights: weights)
    }

    /// The networks' weight w for out-of-fold probabilities of the same images
    /// (`convnet[i]` nil where the networks could not score image i): the
    /// candidate whose combination ranks the images best — the highest AUC of
    /// each label against the rest, averaged over labels; ties go to the
    /// smaller w. Ranking, not log-loss: a threshold is then found on these
    /// scores, so only their order matters, and log-loss chose too small a
    /// weight — each image's out-of-fold score comes from one network, weaker
    /// and less sure than the pair that labels, and on noisy consensus targets
    /// it is penalised for being confident (on the benchmark's mixed team,
    /// rounds 4 and 6: w 0.25 and 0.5; with 0.75 the best single threshold on
    /// the images no human had labeled would have labeled 51.7% instead of 48.4%,
    /// and 57.7% instead of 57.1%, of all images at 97% accuracy).
    public static func chooseConvnetWeight(filters: [[Double]], convnet: [[Double]?], labels: [Int], classes: Int,
                                           candidates: [Double] = convnetWeights) -> Double {
        var best = (weight: candidates.first ?? 0, auc: -Double.infinity)
        for w in candidates {
            let combined = filters.indices.map { i in convnet[i].map { combine([filters[i], $0], weights: [1, w]) } ?? filters[i] }
            guard let auc = ThresholdSearch.meanOneVsRestAUC(combined, labels: labels, classes: classes) else { continue }
            if auc > best.auc + 1e-9 { best = (w, auc) }
        }
        return best.weight
    }

    /// An expert's out-of-fold probabilities joined to `base`'s (the same
    /// images): its weight chosen by `chooseConvnetWeight` among `candidates`,
    /// and the combination (an image the expert could not score keeps its base).
    static func join(_ expert: [[Double]?], to base: [[Double]], labels: [Int], classes: Int,
                     candidates: [Double]) -> (weight: Double, combined: [[Double]]) {
        let w = chooseConvnetWeight(filters: base, convnet: expert, labels: labels, classes: classes, candidates: candidates)
        return (w, base.indices.map { i in expert[i].map { combine([base[i], $0], weights: [1, w]) } ?? base[i] })
    }

    /// The networks' combined probabilities for image files, decoded and
    /// scored on every core (nil where a file cannot be read or decoded).
    public func convnetProbabilities(paths: [String]) -> [[Double]?] {
        guard let nets = convnets, let side = nets.first?.side else { return paths.map { _ in nil } }
        let inference = nets.map(ConvNet.Inference.init)
        let mirror = mirrorsImages ?? false
        return parallelMap(paths) { path in
            BuiltinModel.convnetInput(path, side: side).map { image in
                BuiltinModel.combine(inference.map { $0.probabilities(letterboxed: image, mirror: mirror) })
            }
        }
    }

    /// The networks' input for an image file: decoded and scaled so the longer
    /// side is `side`, as the feature extractor prepares it. nil where the file
    /// cannot be read or decoded.
    static func convnetInput(_ path: String, side: Int) -> RGBImage? {
        guard let bytes = try? FileReader.readAll(path) else { return nil }
        return try? bytes.withUnsafeBytes { try ScaledDecode.images($0, longSides: [side]) }.first
    }
}
