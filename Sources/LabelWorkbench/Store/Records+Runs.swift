import Foundation
import GRDB

/// One command's run: what was asked, by whom, and how it ended.
public struct RunRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var command: String
    /// JSON array of the command line after `lw`.
    public var arguments: String
    public var actor: String
    public var pid: Int
    public var startedAt: String
    public var finishedAt: String?
    public var status: String
    /// JSON object of what the run did.
    public var counts: String?

    enum CodingKeys: String, CodingKey {
        case id, command, arguments, actor, pid, status, counts, startedAt = "started_at", finishedAt = "finished_at"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One change to the database, with the row before and after (JSON).
public struct AuditEventRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "audit_event"
    public var id: Int64?
    public var at: String
    public var actor: String
    public var runId: Int64?
    public var action: String
    public var entity: String
    public var entityId: Int64?
    public var before: String?
    public var after: String?

    enum CodingKeys: String, CodingKey { case id, at, actor, action, entity, before, after, runId = "run_id", entityId = "entity_id" }
    public enum Columns {
        static let action = Column(CodingKeys.action)
        static let entity = Column(CodingKeys.entity)
        static let entityId = Column(CodingKeys.entityId)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// What `lw train` recorded when it stored a model (the `after` of its `model.train` event).
    public struct ModelTrained: Decodable, Sendable {
        /// Why the model may only rank images for humans, when it has no threshold.
        public var refusal: String?
    }

    public static func modelTrained(_ db: Database, modelId: Int64) throws -> ModelTrained? {
        let event = try AuditEventRecord.filter(Columns.entity == "model" && Columns.entityId == modelId
            && Columns.action == AuditAction.modelTrain.rawValue).fetchOne(db)
        return try event?.after.map { try JSONDecoder().decode(ModelTrained.self, from: Data($0.utf8)) }
    }
}

/// An image's train/val/test split, fixed at its first export.
public struct ExportSplitRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "export_split"
    public var imageId: Int64
    public var split: String
    public var seed: Int64
    public var assignedAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey { case split, seed, imageId = "image_id", assignedAt = "assigned_at", runId = "run_id" }

    /// Every stored split, by image.
    public static func byImage(_ db: Database) throws -> [Int64: String] {
        Dictionary(uniqueKeysWithValues: try ExportSplitRecord.fetchAll(db).map { ($0.imageId, $0.split) })
    }
}
