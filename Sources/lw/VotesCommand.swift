import ArgumentParser
import LabelWorkbench

struct VotesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "votes",
        abstract: "Bring in votes made outside lw.",
        subcommands: [Import.self]
    )

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import votes from a CSV file: header worker,source,label.",
            discussion: """
                source is an image's source as imported, or its file name when that is
                unique. Unknown workers are created with kind 'import'. Every row is
                checked first: one bad row and nothing is written, unless --skip-invalid.
                Example: lw votes import votes.csv
                """
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The CSV file.") var file: String
        @Flag(name: .customLong("skip-invalid"), help: "Apply the valid rows, list the invalid ones (exit 2).") var skipInvalid = false

        func run() throws {
            var code: Int32 = 0
            try Console.reportingErrors {
                let rows = try ImportVotes.read(file)
                let s = try ImportVotes.apply(rows, file: file, skipInvalid: skipInvalid, store: try global.openStore(), context: global.context("votes import"))
                for bad in s.invalid.prefix(50) { Console.err("lw: \(file):\(bad.line): \(bad.reason)") }
                if !s.invalid.isEmpty && !skipInvalid {
                    Console.err("lw: \(file): \(s.invalid.count) invalid rows, nothing recorded; fix them or pass --skip-invalid")
                    code = 1
                    return
                }
                Console.out("recorded \(s.recorded.grouped) votes (\(s.workersCreated) new workers)" +
                            (s.alreadyRecorded > 0 ? ", \(s.alreadyRecorded.grouped) already recorded" : "") +
                            (s.invalid.isEmpty ? "" : ", skipped \(s.invalid.count) invalid rows") +
                            "; consensus over \(s.consensus.images.grouped) images: \(s.consensus.decided.grouped) new, \(s.consensus.revised.grouped) revised")
                code = s.invalid.isEmpty ? 0 : 2
            }
            if code != 0 { throw ExitCode(code) }
        }
    }
}
