import GRDB

/// One struct per table, columns named as in the schema.
public struct JobRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "job"
    public var id: Int64 = 1
    public var name: String
    public var workersPerImage: Int
    public var targetAccuracy: Double
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, workersPerImage = "workers_per_image", targetAccuracy = "target_accuracy", createdAt = "created_at"
    }
}

public struct LabelRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "label"
    public var id: Int64?
    public var name: String
    public var classIndex: Int

    enum CodingKeys: String, CodingKey { case id, name, classIndex = "class_index" }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The job's labels in class-index order: the one reader of the label list.
    public static func inClassOrder(_ db: Database) throws -> [LabelRecord] {
        try LabelRecord.order(Column("class_index")).fetchAll(db)
    }

    /// Every label's id by name.
    public static func idsByName(_ db: Database) throws -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: try inClassOrder(db).map { ($0.name, $0.id!) })
    }

    /// Their names, in class-index order.
    public static func names(_ db: Database) throws -> [String] {
        try inClassOrder(db).map(\.name)
    }
}

public struct ImageRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "image"
    public var id: Int64?
    public var sha256: String
    public var source: String
    public var path: String
    public var bytes: Int
    public var width: Int
    public var height: Int
    public var format: String
    public var manifestFields: String?
    public var randomRank: Double
    public var importedAt: String
    public var runId: Int64
    /// `PerceptualHash` as a signed 64-bit integer (nil: not computed yet).
    public var perceptualHash: Int64?
    /// `PerceptualHash.colourSignature` (nil: not computed yet).
    public var colourSignature: Int64?

    enum CodingKeys: String, CodingKey {
        case id, sha256, source, path, bytes, width, height, format
        case manifestFields = "manifest_fields", randomRank = "random_rank", importedAt = "imported_at", runId = "run_id",
             perceptualHash = "perceptual_hash", colourSignature = "colour_signature"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The images no human has labeled, by id.
    public static func idsWithoutHumanLabel(_ db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT id FROM image WHERE id NOT IN (SELECT image_id FROM consensus) ORDER BY id")
    }

    /// Every image's place in the humans' queue (`uncertainty_rank`; nil: not queued by confidence).
    public static func uncertaintyRanks(_ db: Database) throws -> [Int64: Double?] {
        var ranks: [Int64: Double?] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, uncertainty_rank FROM image") { ranks[row["id"]] = row["uncertainty_rank"] as Double? }
        return ranks
    }

    /// Every image's file, by id.
    public static func pathsById(_ db: Database) throws -> [Int64: String] {
        var paths: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, path FROM image") { paths[row["id"]] = row["path"] }
        return paths
    }

    /// Every image's id by the SHA-256 of its bytes.
    public static func idsBySha256(_ db: Database) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT sha256, id FROM image") { ids[row["sha256"]] = row["id"] }
        return ids
    }

    /// Every image's source as stored, with its id, in id order.
    public static func sources(_ db: Database) throws -> [(id: Int64, source: String)] {
        try Row.fetchAll(db, sql: "SELECT id, source FROM image ORDER BY id").map { ($0["id"], $0["source"]) }
    }
}

public struct ImportErrorRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "import_error"
    public var id: Int64?
    public var source: String
    public var reason: String
    public var recordedAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey { case id, source, reason, recordedAt = "recorded_at", runId = "run_id" }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A worker's label for an image: from an assignment (with the seconds it
/// took, when known) or imported (no assignment).
public struct VoteRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "vote"
    public var id: Int64?
    public var imageId: Int64
    public var workerId: Int64
    public var labelId: Int64
    public var assignmentId: Int64?
    public var seconds: Double?
    public var createdAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case id, seconds, imageId = "image_id", workerId = "worker_id", labelId = "label_id", assignmentId = "assignment_id",
             createdAt = "created_at", runId = "run_id"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
