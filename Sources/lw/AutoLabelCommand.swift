import ArgumentParser
import Foundation
import LabelWorkbench

struct AutoLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auto-label",
        abstract: "Predict every image without a human label; confident ones get a machine label.",
        discussion: """
            Uses the latest model. Images at or above its threshold (and with no open
            assignment) are machine-labeled; the others get an uncertainty rank for
            lw assign --strategy uncertain. Machine labels a newer model no longer
            supports are withdrawn. Where a label's recall bound (from the random
            validation sample) is below its --target-recall, the other labels' machine
            labels most likely to hide it are held back for humans, and it says how
            many (lw status shows every label's precision and recall with bounds).
            Rerunning with the same model changes nothing.
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
                                       "seconds": s.seconds, "labels": s.labelsJSON]))
                return
            }
            let threshold = s.threshold.map { String(format: "%.4f", $0) } ?? "none (ranking only)"
            Console.out("model \(s.modelId), threshold \(threshold): predicted \(s.predicted.grouped) images; machine labels +\(s.added.grouped), revised \(s.revised.grouped), withdrawn \(s.withdrawn.grouped); \(s.machineLabeled.grouped) machine-labeled in all" +
                        (s.unreadable > 0 ? "; \(s.unreadable) files could not be read" : ""))
            for line in s.recallLines { Console.out(line) }
        }
    }
}
