import ArgumentParser
import LabelWorkbench

struct PredictionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictions",
        abstract: "Bring in predictions from an external model.",
        subcommands: [Import.self]
    )

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import predictions (JSON Lines) as a model of kind 'external'.",
            discussion: """
                Each line: {"source-ref": "...", "label": "logo", "confidence": 0.97}
                       or {"sha256": "...", "scores": {"logo": 0.97, "no_logo": 0.03}}
                The threshold is searched on the random-picked human labels it also
                predicts; then `lw auto-label` applies it. One bad line and nothing is written.
                Example: lw predictions import preds.jsonl
                """
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The JSON Lines file.") var file: String

        func run() throws {
            try Console.reportingErrors {
                let s = try ImportPredictions.run(file: file, store: try global.openStore(), context: global.context("predictions import"))
                if s.reused { Console.out("model \(s.modelId) already holds these predictions; nothing imported"); return }
                Console.out("model \(s.modelId) (external): \(s.predictions.grouped) predictions, \(s.validationSize) validate against human labels; " +
                            (s.threshold.map { "threshold \($0)" } ?? "no threshold: \(s.refusal ?? "")"))
            }
        }
    }
}
