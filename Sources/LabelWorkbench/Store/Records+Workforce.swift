import GRDB

/// A person (or `import`, labels taken from elsewhere) who votes.
public struct WorkerRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "worker"
    public var id: Int64?
    public var name: String
    public var kind: String
    public var active: Bool
    public var createdAt: String
    /// An expert's vote settles an image (consensus takes it as the truth).
    public var expert: Bool

    enum CodingKeys: String, CodingKey { case id, name, kind, active, expert, createdAt = "created_at" }
    public enum Columns {
        static let name = Column(CodingKeys.name)
        static let active = Column(CodingKeys.active)
        static let expert = Column(CodingKeys.expert)
    }

    /// The experts' ids.
    public static func expertIds(_ db: Database) throws -> Set<Int64> {
        Set(try WorkerRecord.select(Column("id"), as: Int64.self).filter(Columns.expert == true).fetchAll(db))
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The worker of this name, if any.
    public static func named(_ name: String, _ db: Database) throws -> WorkerRecord? {
        try WorkerRecord.filter(Columns.name == name).fetchOne(db)
    }

    /// Every worker's id by name.
    public static func idsByName(_ db: Database) throws -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: try WorkerRecord.fetchAll(db).map { ($0.name, $0.id!) })
    }
}

/// One image given to one worker, and what became of it.
public struct AssignmentRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "assignment"
    public var id: Int64?
    public var imageId: Int64
    public var workerId: Int64
    public var status: String
    public var reason: String
    public var createdAt: String
    public var expiresAt: String?
    public var closedAt: String?
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case id, status, reason, imageId = "image_id", workerId = "worker_id", createdAt = "created_at",
             expiresAt = "expires_at", closedAt = "closed_at", runId = "run_id"
    }
    public enum Columns {
        static let imageId = Column(CodingKeys.imageId)
        static let status = Column(CodingKeys.status)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// SQL true when an image (`column`, e.g. "c.image_id") has an open
    /// assignment; one search of `assignment_by_image`.
    public static func isOpenSQL(image column: String) -> String {
        "EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = \(column) AND a.status = 'open')"
    }

    /// The images with an open assignment (humans are working on them).
    public static func imagesOpen(_ db: Database) throws -> Set<Int64> {
        Set(try AssignmentRecord.select(Columns.imageId, as: Int64.self).filter(Columns.status == "open").distinct().fetchAll(db))
    }
}

/// The consolidated human label of an image (Dawid–Skene over its votes).
public struct ConsensusRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "consensus"
    public var imageId: Int64
    public var labelId: Int64
    public var confidence: Double
    public var votes: Int
    public var tie: Bool
    /// Decided by agreeing expert votes, taken as the truth.
    public var settledByExpert: Bool
    public var method: String
    /// Each label's posterior, by label name (a JSON object in the column).
    public var posteriors: [String: Double]
    public var updatedAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case confidence, votes, tie, method, posteriors, imageId = "image_id", labelId = "label_id", updatedAt = "updated_at", runId = "run_id",
             settledByExpert = "settled_by_expert"
    }
    public enum Columns {
        static let imageId = Column(CodingKeys.imageId)
    }

    /// The images with a human label.
    public static func imageIds(_ db: Database) throws -> Set<Int64> {
        Set(try ConsensusRecord.select(Columns.imageId, as: Int64.self).fetchAll(db))
    }
}

/// A worker's estimated quality, from the last consensus refresh.
public struct WorkerQualityRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "worker_quality"
    public var workerId: Int64
    public var votes: Int
    public var agreement: Double
    public var accuracy: Double
    /// P(voted label | true label), by label names (a JSON object in the column).
    public var confusion: [String: [String: Double]]
    public var updatedAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case votes, agreement, accuracy, confusion, workerId = "worker_id", updatedAt = "updated_at", runId = "run_id"
    }

    /// Each rated worker's estimated accuracy.
    public static func accuracyByWorker(_ db: Database) throws -> [Int64: Double] {
        Dictionary(uniqueKeysWithValues: try WorkerQualityRecord.fetchAll(db).map { ($0.workerId, $0.accuracy) })
    }
}

/// A link's token (only its hash is stored) for a worker or the owner.
public struct AccessTokenRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "access_token"
    public var id: Int64?
    public var role: String
    public var workerId: Int64?
    public var tokenSha256: String
    public var createdAt: String
    public var revokedAt: String?
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case id, role, workerId = "worker_id", tokenSha256 = "token_sha256", createdAt = "created_at", revokedAt = "revoked_at", runId = "run_id"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
