import Foundation

/// What `lw train` stores beside the weights: the validation metrics, why a
/// model may not label (its refusal), and the parameters that say how it was made.
extension TrainModel {
    /// The metrics of a model whose out-of-fold scores are `oof` (filters and networks
    /// combined), `filters` the filters' alone, `convnet` the networks' alone (empty without them).
    static func metrics(validation: ModelValidation.Sample, search perLabel: (thresholds: [Double?], covered: Int, single: ThresholdSearch.Result),
                        filters: FilterFit, oof: [[Double]], convnet: [[Double]?], convnetWeight: Double?,
                        usable: [HumanLabel], classes: Int) -> [String: Double] {
        let items = validation.items, search = perLabel.single
        var metrics: [String: Double] = [
            "l2": filters.l2, "log_loss": filters.loss,
            "accuracy": items.isEmpty ? 0 : items.reduce(0) { $0 + $1.correct } / Double(items.count),
            "covered_share": items.isEmpty ? 0 : Double(perLabel.covered) / Double(items.count),
            "covered_share_single_threshold": items.isEmpty ? 0 : Double(search.covered) / Double(items.count),
            "covered_accuracy": search.accuracy, "covered_lower_bound": search.lowerBound,
            "calibration_error": calibrationError(items),
            "minimum_validation_items": Double(search.minimumItems),
            "validation_certainty": ThresholdSearch.certainty(items),
        ]
        // For more than two labels, each label's AUC against the rest, averaged.
        let index = validation.humanIndex
        func auc(_ scores: (Int) -> [Double]?) -> Double? {
            let scored = index.filter { scores($0) != nil }
            return ThresholdSearch.meanOneVsRestAUC(scored.map { scores($0)! }, labels: scored.map { usable[$0].label }, classes: classes)
        }
        metrics["auc"] = auc { oof[$0] }
        if !convnet.isEmpty {
            metrics["convnet_weight"] = convnetWeight
            metrics["auc_filters"] = auc { filters.oof[$0] }
            metrics["auc_convnet"] = auc { convnet[$0] }
        }
        return metrics
    }

    /// The backbone head's out-of-fold AUC alone and its weight.
    static func backboneMetrics(_ fit: BackboneFit, weight: Double?, filters: FilterFit, validation: ModelValidation.Sample,
                                usable: [HumanLabel], classes: Int) -> [String: Double] {
        let scored = validation.humanIndex.filter { fit.oof[$0] != nil }
        var out: [String: Double] = ["backbone_weight": weight ?? 0, "backbone_l2": fit.l2]
        out["auc_backbone"] = ThresholdSearch.meanOneVsRestAUC(scored.map { fit.oof[$0]! }, labels: scored.map { usable[$0].label }, classes: classes)
        out["auc_filters"] = ThresholdSearch.meanOneVsRestAUC(validation.humanIndex.map { filters.oof[$0] },
                                                              labels: validation.humanIndex.map { usable[$0].label }, classes: classes)
        return out
    }

    /// Why a model without any threshold may only rank images for humans.
    static func refusal(items: [ThresholdSearch.Item], search: ThresholdSearch.Result, settings: Settings) -> String {
        if items.count < search.minimumItems {
            return "validation has \(items.count) randomly picked images; at least \(search.minimumItems) (all correct) are needed to show \(settings.target) accuracy with \(settings.confidence) confidence"
        }
        return "no confidence level reaches \(settings.target) accuracy on validation (the best lower bound of any threshold: \(String(format: "%.3f", search.bestLowerBound)))"
            + (ThresholdSearch.usesJointEstimate(items) ? "" : String(format: "; validation labels are %.3f certain on average, below the %.2f that lets lw estimate the model's accuracy jointly with the workers': more votes per validation image raise it",
                                                                      ThresholdSearch.certainty(items), ThresholdSearch.jointEstimateMinimumCertainty))
    }

    /// The model's `parameters` (JSON): the filters' regression, the bound, and how each network came about.
    static func parameters(settings: Settings, extractor: String, filters: FilterFit, items: [ThresholdSearch.Item],
                           networks: TrainedConvNets?, convnetWeight: Double?,
                           backbone: BackboneFit?, backboneWeight: Double?, backboneAvailable: Bool, referenceWeight: Double? = nil) -> String {
        var values: [String: Any] = [
            "l2": filters.l2, "l2_candidates": l2Candidates, "folds": 5, "bound": boundDescription(confidence: settings.confidence, z: settings.z),
            "fits_exact_up_to": Minibatches.exactUpTo, "fits_window": Minibatches.defaultWindow,
            "accuracy_estimate": ThresholdSearch.usesJointEstimate(items) ? "joint (model + workers)" : "consensus posterior",
            "extractor": extractor, "sample_weights": "consensus confidence", "model": settings.withConvNet ? "filters+convnet" : "filters",
        ]
        if let trained = networks {
            let training = ConvNetTraining.Settings()
            values["convnet"] = [
                "side": settings.convnetSide, "channels": ConvNet.defaultChannels, "networks": 2, "split": "halves by random_rank",
                "warm_start_model": trained.warmStartModel as Any, "epochs": trained.networks.map(\.epochs),
                "minimum_image_steps": settings.convnetImageSteps, "batch_size": training.batchSize,
                "max_learning_rate": training.maxLearningRate, "weight_decay": training.weightDecay,
                "version": ConvNetTraining.version, "targets": "consensus posteriors",
                "weight_candidates": BuiltinModel.convnetWeights, "weight": convnetWeight as Any,
                "weight_chosen_by": "out-of-fold AUC",
                "used_by_auto_label": (convnetWeight ?? 0) > 0, "runs": trained.networks.map(\.runs), "mirror_at_prediction": true,
                "self_training_labels": trained.networks.map(\.pseudoLabels),
                "self_training_epochs": trained.networks.map(\.studentEpochs), "self_training": trained.networks.map(\.selfTraining),
                "object_copies": trained.networks.map(\.objectCopies),
            ]
        } else if settings.withConvNet {
            values["convnet"] = ["skipped": "a half of the human labels has fewer than 2 readable images"]
        }
        if let backbone {
            values["backbone"] = [
                "name": BackboneCache.name, "backbone_id": backbone.backboneId, "input_side": BackboneCache.inputSide,
                "head": MILHead.version, "l2": backbone.l2, "l2_candidates": backboneL2Candidates, "steps": MILHead.Settings().steps,
                "window_refresh_steps": MILHead.Settings().windowRefreshSteps,
                "weight": backboneWeight as Any, "weight_candidates": BuiltinModel.backboneWeights, "weight_chosen_by": "out-of-fold AUC",
                "head_seconds": (backbone.seconds * 10).rounded() / 10,
            ]
        } else if settings.backbone {
            values["backbone"] = ["skipped": backboneAvailable ? "fewer than \(HumanLabels.minimumLabels) labeled images have a map" : "no weights: \(BackboneCache.howToGet)"]
        }
        if let referenceWeight {
            values["reference"] = [
                "head": ReferenceHead.version, "pastes_per_reference_at_most": ReferenceHead.pastesPerReference, "backgrounds": ReferenceHead.backgrounds,
                "weight": referenceWeight, "weight_candidates": BuiltinModel.referenceWeights, "weight_chosen_by": "out-of-fold AUC",
                "used_by_auto_label": referenceWeight > 0,
            ]
        }
        return JSON.text(values)
    }

    /// Expected calibration error over 10 confidence bins.
    static func calibrationError(_ items: [ThresholdSearch.Item]) -> Double {
        guard !items.isEmpty else { return 0 }
        var total = 0.0
        for b in 0..<10 {
            let lo = 0.5 + Double(b) * 0.05, hi = lo + 0.05
            let inBin = items.filter { $0.confidence >= lo && ($0.confidence < hi || (b == 9 && $0.confidence <= 1)) }
            guard !inBin.isEmpty else { continue }
            let conf = inBin.reduce(0) { $0 + $1.confidence } / Double(inBin.count)
            let acc = inBin.reduce(0) { $0 + $1.correct } / Double(inBin.count)
            total += Double(inBin.count) * abs(conf - acc)
        }
        return total / Double(items.count)
    }

    /// How a model's parameters name its bound, e.g. "wilson one-sided 0.95 (z=1.645)".
    static func boundDescription(confidence: Double, z: Double) -> String {
        "wilson one-sided \(confidence) (z=\(String(format: "%.3f", z)))"
    }
}
