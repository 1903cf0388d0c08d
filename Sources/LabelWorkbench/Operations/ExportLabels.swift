import Crypto
import Foundation
import GRDB

/// `lw export`: the labeled dataset, streamed in image-id order (the same
/// bytes for the same database state), written to a temporary file and renamed
/// into place (never a half-written file), recorded as a run with its counts
/// and content hash.
public struct ExportLabels {
    public enum Only: String, Sendable, CaseIterable { case all, human, machine }

    public struct Options: Sendable {
        public var only: Only = .all
        public var minConfidence: Double?
        public init() {}
    }

    public struct Entry: Sendable {
        public var imageId: Int64
        public var source: String
        public var sha256: String
        public var label: String
        public var classIndex: Int
        public var confidence: Double
        public var origin: String
        public var modelId: Int64?
        public var votes: Int
        public var manifestFields: String?
        public var labeledAt: String
    }

    /// The job's name and its labels in class order.
    public static func job(_ store: Store) throws -> (name: String, labels: [String]) {
        try store.pool.read { db in
            (try JobSettings.load(db).name, try LabelRecord.names(db))
        }
    }

    public static let csvHeader = ["source", "sha256", "label", "confidence", "origin", "model_id", "votes", "image_id"]

    /// Calls `each` for every exported row, in image-id order, from one read transaction.
    public static func rows(_ store: Store, options: Options, each: (Entry) throws -> Void) throws {
        try store.pool.read { db in
            var sql = """
                SELECT i.id AS image_id, i.source, i.sha256, s.label, l.class_index, s.confidence, s.status, s.model_id,
                       coalesce(s.votes, 0) AS votes, i.manifest_fields,
                       coalesce(c.updated_at, m.created_at) AS labeled_at
                FROM image_status AS s
                JOIN image AS i ON i.id = s.image_id
                JOIN label AS l ON l.name = s.label
                LEFT JOIN consensus AS c ON c.image_id = i.id AND s.status = 'human_labeled'
                LEFT JOIN machine_label AS m ON m.image_id = i.id AND s.status = 'machine_labeled'
                WHERE s.status IN (?, ?)
                """
            var arguments: StatementArguments = options.only == .machine ? ["machine_labeled", "machine_labeled"]
                : options.only == .human ? ["human_labeled", "human_labeled"] : ["human_labeled", "machine_labeled"]
            if let min = options.minConfidence {
                sql += " AND s.confidence >= ?"
                arguments += [min]
            }
            sql += " ORDER BY i.id"
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let r = try cursor.next() {
                try each(Entry(imageId: r["image_id"], source: r["source"], sha256: r["sha256"], label: r["label"], classIndex: r["class_index"],
                             confidence: r["confidence"], origin: (r["status"] as String) == "human_labeled" ? "human" : "machine",
                             modelId: r["model_id"], votes: r["votes"], manifestFields: r["manifest_fields"], labeledAt: r["labeled_at"]))
            }
        }
    }

    public static func csvLine(_ row: Entry) -> String {
        CSVText.line([row.source, row.sha256, row.label, String(format: "%.6f", row.confidence), row.origin,
                      row.modelId.map(String.init) ?? "", String(row.votes), String(row.imageId)])
    }
}
