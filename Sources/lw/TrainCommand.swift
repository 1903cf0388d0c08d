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
                        ", calibration error \(f("calibration_error"))")
            if s.threshold != nil {
                let each = s.classThresholds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.map { String(format: "%.4f", $0) } ?? "none")" }.joined(separator: ", ")
                Console.out("thresholds \(each): cover \(String(format: "%.1f%%", (s.metrics["covered_share"] ?? 0) * 100)) of validation at accuracy \(f("covered_accuracy")) (lower bound \(f("covered_lower_bound"))); evidence: SELECT * FROM threshold_evidence WHERE model_id = \(s.modelId)")
            } else {
                Console.out("no threshold: \(s.refusal ?? "validation does not support the target"); lw auto-label will only rank images for humans")
            }
        }
    }
}

struct AutoLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auto-label",
        abstract: "Predict every image without a human label; confident ones get a machine label.",
        discussion: """
            Uses the latest model. Images at or above its threshold (and with no open
            assignment) are machine-labeled; the others get an uncertainty rank for
            lw assign --strategy uncertain. Machine labels a newer model no longer
            supports are withdrawn. Rerunning with the same model changes nothing.
            Example: lw auto-label
            """
    )
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the summary as one JSON object.") var json = false

    func run() throws {
        try Console.reportingErrors {
            var operation = AutoLabel(store: try global.openStore(), context: global.context("auto-label"), progress: global.progressBar())
            let s = try operation.run()
            if json {
                Console.out(JSON.text(["model_id": s.modelId, "threshold": s.threshold as Any, "predicted": s.predicted, "added": s.added,
                                       "revised": s.revised, "withdrawn": s.withdrawn, "machine_labeled": s.machineLabeled, "unreadable": s.unreadable,
                                       "seconds": s.seconds]))
                return
            }
            let threshold = s.threshold.map { String(format: "%.4f", $0) } ?? "none (ranking only)"
            Console.out("model \(s.modelId), threshold \(threshold): predicted \(s.predicted.grouped) images; machine labels +\(s.added.grouped), revised \(s.revised.grouped), withdrawn \(s.withdrawn.grouped); \(s.machineLabeled.grouped) machine-labeled in all" +
                        (s.unreadable > 0 ? "; \(s.unreadable) files could not be read" : ""))
        }
    }
}

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List trained and imported models.",
        subcommands: [List.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every model with its data, metrics, threshold and coverage.",
                                                        discussion: "Example: lw models list")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try Console.reportingErrors {
                let rows = try ListModels.fetch(try global.openReadOnlyStore())
                if rows.isEmpty { Console.out("no models yet: lw train"); return }
                func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
                Console.out(Table.render([["model", "kind", "algorithm", "trained on", "validation", "accuracy", "AUC", "threshold", "machine labels", "created"]] + rows.map {
                    [String($0.id), $0.kind, $0.algorithm, $0.trainingSize.grouped, $0.validationSize.grouped, f($0.accuracy), f($0.auc),
                     $0.threshold.map { String(format: "%.4f", $0) } ?? "none", $0.machineLabels.grouped, $0.createdAt]
                }, rightAligned: [0, 3, 4, 5, 6, 7, 8]))
            }
        }
    }
}
