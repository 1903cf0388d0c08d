import ArgumentParser
import LabelWorkbench

struct ConsensusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus",
        abstract: "Recompute every image's human label from all votes (Dawid–Skene).",
        discussion: """
            lw review, lw assign and lw train do this themselves; run it after
            editing votes by hand. Rerunning with no new votes changes nothing.
            Example: lw consensus
            """
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Console.reportingErrors {
            let s = try RefreshConsensus.run(store: try global.openStore(), context: global.context("consensus"))
            Console.out("consensus over \(s.images.grouped) images: \(s.decided.grouped) new, \(s.revised.grouped) revised, \(s.removed.grouped) removed, \(s.ties.grouped) ties (\(s.iterations) EM iterations)")
        }
    }
}
