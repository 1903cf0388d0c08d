import Foundation
import GRDB

/// What people see before and beside the images they label: the job's
/// instructions and the references of each label ("find this").
public struct ReviewGuide: Sendable, Equatable {
    public struct Reference: Sendable, Equatable {
        public var id: Int64
        public var label: String
    }

    public var instructions: String?
    /// In the class order of their labels.
    public var references: [Reference]

    public static func load(_ db: Database) throws -> ReviewGuide {
        let instructions = try String.fetchOne(db, sql: "SELECT instructions FROM job")
        let references = try Row.fetchAll(db, sql: """
            SELECT r.id, l.name FROM reference AS r JOIN label AS l ON l.id = r.label_id ORDER BY l.class_index, r.id
            """).map { Reference(id: $0["id"], label: $0["name"]) }
        return ReviewGuide(instructions: instructions, references: references)
    }

    /// One reference's stored file and its format ('jpeg' or 'png'), or nil.
    public static func referenceFile(_ id: Int64, _ db: Database) throws -> (bytes: [UInt8], format: String, sha256: String)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT bytes, format, sha256 FROM reference WHERE id = ?", arguments: [id]) else { return nil }
        return ([UInt8](row["bytes"] as Data), row["format"], row["sha256"])
    }
}
