import ArgumentParser
import Foundation
import LabelWorkbench

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
