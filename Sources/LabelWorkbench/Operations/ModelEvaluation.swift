/// The experts of a built-in model, each cross-fitted on the human labels
/// (every image scored by fits that did not see it), and the out-of-fold
/// scores of their weighted combination.
struct CrossFittedExperts {
    var filters: TrainModel.FilterFit
    var backbone: TrainModel.BackboneFit?
    var backboneWeight: Double?
    var networks: TrainModel.TrainedConvNets?
    var convnetWeight: Double?
    var oof: [[Double]]

    /// The model's `algorithm`: what was trained (a half with fewer than two
    /// readable images leaves the networks out).
    var algorithm: String {
        TrainModel.algorithm + (backbone == nil ? "" : "+backbone") + (networks == nil ? "" : "+convnet")
    }
}

/// A model's validation from its experts' out-of-fold scores: the random
/// sample of human labels, each label's threshold (nil: it may not label),
/// the metrics, and why it may only rank when no threshold qualifies.
struct ModelEvaluation {
    var validation: ModelValidation.Sample
    var thresholds: [Double?]
    var metrics: [String: Double]
    var refusal: String?

    init(_ experts: CrossFittedExperts, usable: [HumanLabel], settings: TrainModel.Settings, classes: Int) {
        let oof = experts.oof
        validation = ModelValidation.sample(humans: usable, classes: classes) { oof[$0] }
        let perLabel = ThresholdSearch.searchPerLabel(validation.items, predicted: validation.predicted, classes: classes,
                                                      target: settings.target, z: settings.z)
        thresholds = perLabel.thresholds
        metrics = TrainModel.metrics(validation: validation, search: perLabel, filters: experts.filters, oof: oof,
                                     convnet: experts.networks?.outOfFold ?? [], convnetWeight: experts.convnetWeight,
                                     usable: usable, classes: classes)
        if let fit = experts.backbone {
            metrics.merge(TrainModel.backboneMetrics(fit, weight: experts.backboneWeight, filters: experts.filters, validation: validation,
                                                     usable: usable, classes: classes)) { $1 }
        }
        refusal = thresholds.contains { $0 != nil } ? nil
            : TrainModel.refusal(items: validation.items, search: perLabel.single, settings: settings)
    }
}
