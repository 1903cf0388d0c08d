import Foundation

/// `lw export --format csv|manifest|label-config`: the labeled dataset as one
/// file (or stdout), written atomically, recorded as a run with its row count
/// and the content's SHA-256 in the audit trail. A failure leaves no file and
/// ends the run as `failed`; a kill leaves it `running` until the next
/// command marks it interrupted.
public enum ExportFile {
    public enum Format: String, Sendable, CaseIterable { case csv, manifest, labelConfig = "label-config" }

    public struct Summary: Sendable {
        public var rows = 0
        public var bytes = 0
        public var sha256 = ""
    }

    public static func run(store: Store, format: Format, out: String?, force: Bool, options: ExportLabels.Options,
                           context: RunContext) throws -> Summary {
        var context = context
        let output = try AtomicOutput(path: out, force: force)
        try context.start(in: store)
        do {
            var summary = Summary()
            summary.rows = try write(format, to: output, store: store, options: options)
            summary.sha256 = try output.commit()
            summary.bytes = output.bytes
            try store.pool.write { db in
                try context.audit(db, action: .exportWrite, entity: "run", entityId: context.runId, after: [
                    "format": format.rawValue, "rows": summary.rows, "sha256": summary.sha256, "out": out ?? "stdout",
                    "only": options.only.rawValue,
                ])
                try context.finish(db, status: .succeeded, counts: ["rows": summary.rows, "bytes": summary.bytes, "sha256": summary.sha256])
            }
            return summary
        } catch {
            output.abandon()
            try? context.end(in: store, status: .failed, counts: ["error": "\(error)"])
            throw error
        }
    }

    /// Streams the rows in `format`; returns how many were written.
    private static func write(_ format: Format, to output: AtomicOutput, store: Store, options: ExportLabels.Options) throws -> Int {
        let (jobName, labels) = try ExportLabels.job(store)
        var count = 0
        switch format {
        case .csv:
            try output.write(CSVText.line(ExportLabels.csvHeader))
            try ExportLabels.rows(store, options: options) { row in
                try output.write(ExportLabels.csvLine(row))
                count += 1
            }
        case .manifest:
            try ExportLabels.rows(store, options: options) { row in
                try output.write(GroundTruthManifest.line(
                    sourceRef: row.source, inputFields: row.manifestFields, jobName: jobName, classIndex: row.classIndex,
                    className: row.label, confidence: row.confidence, humanAnnotated: row.origin == "human",
                    creationDate: GroundTruthManifest.creationDate(row.labeledAt)))
                count += 1
            }
        case .labelConfig:
            try output.write(GroundTruthManifest.labelConfig(labels))
            count = labels.count
        }
        return count
    }
}
