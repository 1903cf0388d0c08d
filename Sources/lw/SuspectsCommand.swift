import ArgumentParser
import Foundation
import LabelWorkbench

struct SuspectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspects",
        abstract: "Human labels most likely wrong, most likely first (from the latest `lw train`).",
        discussion: """
            Each human label is scored by the latest built-in model's out-of-fold
            probabilities (a model that never saw the image) and its consensus; the
            score estimates the probability that the label is wrong. Reasons:
            model (confident learning: the model gives another label at least its
            average confidence), uncertain_consensus (posterior below 0.9 or a tie),
            weak_workers (the label's voters are estimated below 80% accurate),
            near_duplicate (a near-duplicate found by `lw duplicates` carries another label).
            Images with new votes since the model, with an open assignment, or
            settled by an expert are left out; the next `lw train` rescores them.
            --format csv prints the header image_id,source,label,suggested_label,score,reasons
            (reasons separated by ";").
            Examples:
              lw suspects
              lw suspects --format csv --limit 200
              lw assign --strategy suspects --per-image 2 --limit 100
            """
    )

    enum Format: String, ExpressibleByArgument { case table, csv }

    @OptionGroup var global: GlobalOptions
    @Option(help: "At most this many (default: 50 in a table, all in CSV).") var limit: Int?
    @Flag(help: "Every scored human label, also those without a reason.") var all = false
    @Option(help: "table or csv.") var format: Format = .table

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit \(limit) must be at least 1") }
    }

    func run() throws {
        try Console.reportingErrors {
            let store = try global.openReadOnlyStore()
            let (entries, reexamined, hasModel) = try store.pool.read { db in
                (try Suspects.current(db, limit: limit ?? (format == .table ? 50 : nil), all: all), try Suspects.reexamined(db),
                 try Suspects.hasScores(db))
            }
            guard hasModel else { throw LWError.invalidArgument("no human labels scored yet: run `lw train` first") }
            switch format {
            case .csv:
                let out = BufferedOutput()
                out.write(CSVText.line(Suspects.csvHeader))
                for e in entries {
                    out.write(CSVText.line([String(e.imageId), e.source, e.label, e.suggestedLabel, String(format: "%.4f", e.score), e.reasons]))
                }
                out.flush()
            case .table:
                let rows = [["image", "label", "suggested", "score", "reasons", "source"]] + entries.map {
                    [String($0.imageId), $0.label, $0.suggestedLabel, String(format: "%.3f", $0.score), $0.reasons, $0.source]
                }
                Console.out(entries.isEmpty ? "no suspects" : Table.render(rows, rightAligned: [0, 3]))
            }
            if reexamined > 0 && !global.quiet {
                Console.err("\(reexamined.grouped) suspects had a second look since the model: `lw train` rescores them")
            }
        }
    }
}
