import ArgumentParser
import LabelWorkbench

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show Ground Truth's counters and the images per label.",
        discussion: """
            Examples:
              lw status
              lw status --json   # {"total":…,"human_labeled":…,"machine_labeled":…,"unlabeled":…,"failed":…,
                                 #  "machine_labels_checked":…,"machine_labels_confirmed":…,"labels":{…},
                                 #  "machine_label_quality":{label:{"precision":…,"recall":…,"recall_lower_bound":…,…}}}
            Machine labels the team checked: machine-labeled images that random picks
            (lw assign) sent to the team too, and how many of them the team agrees with,
            an estimate of the machine labels' accuracy by people who never saw the model.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        try Console.reportingErrors {
            let status = try JobStatus.read(try global.openReadOnlyStore())
            if json {
                Console.out(JSON.text(status.jsonObject))
                return
            }
            let rows: [(String, Int)] = [
                ("total", status.total), ("human-labeled", status.humanLabeled),
                ("machine-labeled", status.machineLabeled), ("unlabeled", status.unlabeled), ("failed", status.failed),
            ]
            Console.out("job \(status.jobName)")
            Console.out(Table.render(rows.map { [$0.0, $0.1.grouped] }, rightAligned: [1]))
            if status.machineLabelsChecked > 0 {
                let share = Double(status.machineLabelsConfirmed) / Double(status.machineLabelsChecked) * 100
                Console.out("the team checked \(status.machineLabelsChecked.grouped) machine labels at random and agrees with "
                            + "\(status.machineLabelsConfirmed.grouped) (\(String(format: "%.1f", share))%)")
            }
            Console.out("")
            Console.out(Table.render([["label", "images"]] + status.labels.map { [$0.name, $0.images.grouped] }, rightAligned: [1]))
            if !status.quality.isEmpty {
                Console.out("")
                Console.out(Self.qualityTable(status.quality))
            }
        }
    }
}

extension StatusCommand {
    /// Each label's machine labels: precision and recall estimated, with their lower bounds.
    static func qualityTable(_ quality: [JobStatus.LabelQuality]) -> String {
        func share(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
        let header = ["machine labels", "images", "precision (≥ bound)", "recall (≥ bound)", "target recall", "held back"]
        let rows = quality.map { q in
            [q.label, q.machineLabeled.grouped, "\(share(q.precision)) (≥ \(share(q.precisionLowerBound)))",
             "\(share(q.recall)) (≥ \(share(q.recallLowerBound)))", share(q.targetRecall), q.heldBack.grouped]
        }
        return Table.render([header] + rows, rightAligned: [1, 5])
            + "\nrecall: the share of a label's images that end with that label, estimated from the random validation sample (docs/model.md#recall)"
    }
}

/// Plain aligned columns for terminal tables.
enum Table {
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
