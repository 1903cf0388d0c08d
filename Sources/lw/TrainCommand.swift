import ArgumentParser
import Foundation
import LabelWorkbench

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the built-in image model on the human labels and choose its threshold.",
        discussion: """
            Learns the feature extractor on first use (from a random sample of the
            imported images), caches every image's features and its pretrained
            backbone map (EfficientNet-Lite0, --backbone on, the default) in the
            database, fits a logistic regression on the features and a head that
            scores every position of the map (with model filters+convnet, also two
            small convolutional networks on the pixels, each on half of the human
            labels), and picks the lowest confidence whose validation accuracy has a
            one-sided Wilson lower bound (at the job's threshold confidence, 0.95 by
            default) at the job's target; the evidence is kept in model_validation
            and recounted by the view threshold_evidence. Same labels and
            settings as the latest model: the model is reused, nothing new is written.
            Exit 1 when there are too few human labels.
            Example: lw train
            """
    )
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the summary as one JSON object.") var json = false

    func run() throws {
        try Console.reportingErrors {
            var operation = TrainModel(store: try global.openStore(), context: global.context("train"), progress: global.progressBar())
            let s = try operation.run()
            if s.backboneMissing { Console.err("lw: note: trained without the pretrained backbone (its weights are missing): \(BackboneCache.howToGet)") }
            if json {
                Console.out(JSON.text(["model_id": s.modelId, "reused": s.reused, "training_size": s.trainingSize,
                                       "validation_size": s.validationSize, "threshold": s.threshold as Any,
                                       "metrics": s.metrics, "refusal": s.refusal as Any,
                                       "class_thresholds": s.classThresholds.mapValues { $0 as Any }, "seconds": s.seconds]))
                return
            }
            if s.reused { Console.out("model \(s.modelId) is up to date (same labels and settings); nothing trained") ; return }
            func f(_ key: String) -> String { s.metrics[key].map { String(format: "%.3f", $0) } ?? "-" }
            Console.out("model \(s.modelId): \(s.trainingSize) human labels, \(s.validationSize) random ones validate out of fold; " +
                        "validation accuracy \(f("accuracy")), AUC \(f("auc"))" +
                        (s.metrics["auc_backbone"] != nil ? "; filters \(f("auc_filters")), backbone \(f("auc_backbone")) with weight \(f("backbone_weight"))" : "") +
                        (s.metrics["auc_convnet"] != nil ? " (filters \(f("auc_filters")), network \(f("auc_convnet")) with weight \(f("convnet_weight")))" : "") +
                        (s.metrics["auc_reference"] != nil ? "; references \(f("auc_reference")) with weight \(f("reference_weight"))" : "") +
                        ", calibration error \(f("calibration_error"))")
            if s.threshold != nil {
                let each = s.classThresholds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.map { String(format: "%.4f", $0) } ?? "none")" }.joined(separator: ", ")
                Console.out("thresholds \(each): cover \(String(format: "%.1f%%", (s.metrics["covered_share"] ?? 0) * 100)) of validation at accuracy \(f("covered_accuracy")) (lower bound \(f("covered_lower_bound"))); evidence: SELECT * FROM threshold_evidence WHERE model_id = \(s.modelId)")
            } else {
                Console.out("no threshold: \(s.refusal ?? "validation does not support the target"); lw auto-label will only rank images for humans")
            }
            if s.validationSize > 0 {
                Console.out("recall: lw auto-label holds back machine labels wherever a label's recall bound falls below its target; evidence: SELECT * FROM model_recall_band WHERE model_id = \(s.modelId)")
            }
        }
    }
}
