/// The experts of a built-in model, each cross-fitted on the human labels
/// (every image scored by fits that did not see it), and the out-of-fold
/// scores of their weighted combination.
struct CrossFittedExperts {
    var filters: TrainModel.FilterFit
    var backbone: TrainModel.BackboneFit?
    var backboneWeight: Double?
    var networks: TrainModel.TrainedConvNets?
    var convnetWeight: Double?
    /// The reference head (never fitted on human labels: its scores are honest as they are) and its weight.
    var reference: MILHead?
    var referenceWeight: Double?
    var referenceOOF: [[Double]?]?
    var referenceBackboneId: Int64?
    var oof: [[Double]]

    /// The model's `algorithm`: what was trained (a half with fewer than two
    /// readable images leaves the networks out).
    var algorithm: String {
        TrainModel.algorithm + (backbone == nil ? "" : "+backbone") + (networks == nil ? "" : "+convnet")
            + (reference == nil ? "" : "+reference")
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
    /// Each label's validation items in bands by the model's probability of it: the evidence for recall.
    var recallBands: [[RecallBound.Band]]

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
        if let scores = experts.referenceOOF {
            let scored = validation.humanIndex.filter { scores[$0] != nil }
            metrics["auc_reference"] = ThresholdSearch.meanOneVsRestAUC(scored.map { scores[$0]! }, labels: scored.map { usable[$0].label },
                                                                        classes: classes)
            metrics["reference_weight"] = experts.referenceWeight ?? 0
        }
        let sample = validation
        recallBands = (0..<classes).map { k in
            RecallBound.bands(scores: sample.humanIndex.map { oof[$0][k] }, label: sample.humanIndex.map { usable[$0].posteriors[k] })
        }
        refusal = thresholds.contains { $0 != nil } ? nil
            : TrainModel.refusal(items: validation.items, search: perLabel.single, settings: settings)
    }
}
