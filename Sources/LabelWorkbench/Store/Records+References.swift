import Foundation
import GRDB

/// A picture of what a label looks like (`lw references add`): the file's
/// bytes, never an image of the job.
public struct ReferenceRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "reference"
    public var id: Int64?
    public var labelId: Int64
    public var sha256: String
    /// The file as given (JPEG or PNG).
    public var bytes: Data
    public var format: String
    public var width: Int
    public var height: Int
    /// The path as given.
    public var source: String
    public var addedBy: String
    public var addedAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case id, sha256, bytes, format, width, height, source
        case labelId = "label_id", addedBy = "added_by", addedAt = "added_at", runId = "run_id"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Every reference, in the class order of its label, then by id.
    public static func all(_ db: Database) throws -> [ReferenceRecord] {
        try ReferenceRecord.fetchAll(db, sql: """
            SELECT r.* FROM reference AS r JOIN label AS l ON l.id = r.label_id ORDER BY l.class_index, r.id
            """)
    }

    /// The reference's pixels. A PNG's transparent parts are composed on
    /// mid-grey (128): a logo file's empty surround matches neither a white
    /// nor a black photo background better than the other.
    public func picture() throws -> RGBImage {
        try bytes.withUnsafeBytes { raw in
            format == "png" ? try PNGCodec.decode(raw, background: 128) : try ImageProbe.decode(raw)
        }
    }
}
