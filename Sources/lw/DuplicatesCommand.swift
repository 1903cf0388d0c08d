import ArgumentParser
import Foundation
import LabelWorkbench

struct DuplicatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: "Groups of near-duplicate images (resized, re-encoded, slightly cropped copies), with their labels.",
        discussion: """
            Images whose 64-bit perceptual hashes differ in at most --radius bits (12)
            and whose four quarters have the same mean colours (within 1/32) form a group; a near-duplicate of a near-duplicate joins it. Groups whose
            images carry different labels come first. Exact copies (same bytes) are
            never imported twice. Images imported before lw computed perceptual
            hashes are hashed first (recorded as a run).
            --format csv prints the header group,image_id,source,label (one row per image).
            Examples:
              lw duplicates
              lw duplicates --format csv > duplicates.csv
            """
    )

    enum Format: String, ExpressibleByArgument { case table, csv }

    @OptionGroup var global: GlobalOptions
    @Option(help: "table or csv.") var format: Format = .table
    @Option(help: "The most bits two near-duplicates' hashes may differ in (0-20).") var radius = PerceptualHash.radius

    func validate() throws {
        if !(0...20).contains(radius) { throw ValidationError("--radius \(radius) must be between 0 and 20 (beyond, different pictures match)") }
    }

    func run() throws {
        try Console.reportingErrors {
            // Read-only when the hashes and stored groups are up to date.
            let readOnly = try global.openReadOnlyStore()
            var summary = NearDuplicates.Summary()
            if let groups = try readOnly.pool.read({ try NearDuplicates.current($0, radius: radius) }) {
                summary.groups = groups
            } else {
                var operation = NearDuplicates(store: try global.openStore(), context: global.context("duplicates"), progress: global.progressBar())
                operation.radius = radius
                summary = try operation.run()
            }
            if summary.unreadable > 0 { Console.err("lw: \(summary.unreadable.grouped) images could not be read and are left out") }
            let groups = summary.groups
            let out = BufferedOutput()
            switch format {
            case .csv:
                out.write(CSVText.line(NearDuplicates.csvHeader))
                for g in groups { for m in g.members { out.write(CSVText.line([String(g.id), String(m.imageId), m.source, m.label ?? ""])) } }
            case .table:
                let rows = [["group", "image", "label", "source"]] + groups.flatMap { g in
                    g.members.map { [String(g.id) + (g.conflicting ? " !" : ""), String($0.imageId), $0.label ?? "-", $0.source] }
                }
                out.write(groups.isEmpty ? "no near-duplicates\n" : Table.render(rows, rightAligned: [1]) + "\n")
            }
            out.flush()
            if !global.quiet {
                let conflicting = groups.filter(\.conflicting).count
                Console.err("\(groups.count.grouped) groups of near-duplicates, \(conflicting.grouped) with different labels" + (format == .table ? " (marked !)" : ""))
            }
        }
    }
}
