import ArgumentParser
import Foundation
import LabelWorkbench

struct AssignmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assignments",
        abstract: "List assignments (CSV for scripts, a table for people).",
        discussion: """
            --format csv prints the header assignment_id,worker,image_id,source
            (then status,reason,created_at,expires_at unless --open).
            Examples:
              lw assignments --open --format csv > open.csv
              lw assignments --worker alice
            """
    )

    enum Format: String, ExpressibleByArgument { case table, csv }

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only open assignments.") var open = false
    @Option(help: "Only this worker's.") var worker: String?
    @Option(help: "table or csv.") var format: Format = .table

    func run() throws {
        try Console.reportingErrors {
            let store = try global.openReadOnlyStore()
            let out = BufferedOutput()
            if format == .csv {
                out.write(CSVText.line(["assignment_id", "worker", "image_id", "source"] + (open ? [] : ["status", "reason", "created_at", "expires_at"])))
            }
            var rows: [[String]] = [["id", "worker", "image", "status", "reason", "source"]]
            try ListAssignments.fetch(store, openOnly: open, worker: worker) { a in
                switch format {
                case .csv:
                    out.write(CSVText.line([String(a.id), a.worker, String(a.imageId), a.source] + (open ? [] : [a.status, a.reason, a.createdAt, a.expiresAt ?? ""])))
                case .table:
                    rows.append([String(a.id), a.worker, String(a.imageId), a.status, a.reason, a.source])
                }
            }
            if format == .table { out.write(rows.count == 1 ? "no assignments\n" : Table.render(rows, rightAligned: [0, 2]) + "\n") }
            out.flush()
        }
    }
}

/// Buffered stdout for large listings.
final class BufferedOutput {
    private var buffer = Data()
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > 1 << 16 { flush() }
    }
    func flush() {
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
