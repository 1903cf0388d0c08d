import Foundation
import GRDB

/// A human-labeled image's cross-validation fold (0–4), fixed once given.
public struct TrainingFoldRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "training_fold"
    public var imageId: Int64
    public var fold: Int

    enum CodingKeys: String, CodingKey { case fold, imageId = "image_id" }

    /// Every stored fold, by image.
    public static func byImage(_ db: Database) throws -> [Int64: Int] {
        Dictionary(uniqueKeysWithValues: try TrainingFoldRecord.fetchAll(db).map { ($0.imageId, $0.fold) })
    }
}

/// A trained (builtin) or imported (external) model, its validation and threshold.
public struct ModelRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "model"
    public var id: Int64?
    public var kind: String
    public var algorithm: String
    /// JSON object; its shape depends on the algorithm.
    public var parameters: String
    public var extractorId: Int64?
    public var trainingSize: Int
    public var validationSize: Int
    /// JSON object of the validation metrics.
    public var metrics: String
    public var threshold: Double?
    /// Per predicted label (by name) when the thresholds differ; null: that label may not be given.
    public var classThresholds: [String: Double?]?
    public var targetAccuracy: Double
    public var labeledSet: String
    /// The built-in model (`BuiltinModel`, JSON); NULL for external models.
    public var weights: Data?
    public var createdAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case id, kind, algorithm, parameters, metrics, threshold, weights
        case extractorId = "extractor_id", trainingSize = "training_size", validationSize = "validation_size",
             classThresholds = "class_thresholds", targetAccuracy = "target_accuracy", labeledSet = "labeled_set",
             createdAt = "created_at", runId = "run_id"
    }
    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let kind = Column(CodingKeys.kind)
        static let labeledSet = Column(CodingKeys.labeledSet)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The built-in model trained on this labeled set with these settings, if any (the newest).
    public static func trained(_ db: Database, labeledSet: String) throws -> ModelRecord? {
        try ModelRecord.filter(Columns.kind == ModelKind.builtin.rawValue && Columns.labeledSet == labeledSet).order(Columns.id.desc).fetchOne(db)
    }

    /// The metrics, by name (lw writes only numbers there).
    public var numericMetrics: [String: Double] {
        (try? JSONDecoder().decode([String: Double].self, from: Data(metrics.utf8))) ?? [:]
    }

    /// The newest model: the one `lw auto-label` uses.
    public static func latest(_ db: Database) throws -> ModelRecord? {
        try ModelRecord.order(Columns.id.desc).fetchOne(db)
    }

    public var modelKind: ModelKind? { ModelKind(rawValue: kind) }

    /// Each label's threshold, in the order of `labels`: the per-label ones
    /// when the model has them, else its single one.
    public func thresholds(for labels: [String]) -> [Double?] {
        guard let classThresholds else { return labels.map { _ in threshold } }
        return labels.map { classThresholds[$0] ?? nil }
    }
}

/// A model's probabilities for an image.
public struct PredictionRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "prediction"
    public var modelId: Int64
    public var imageId: Int64
    public var labelId: Int64
    public var confidence: Double
    /// Each label's probability, by label name (a JSON object in the column).
    public var scores: [String: Double]

    enum CodingKeys: String, CodingKey { case confidence, scores, modelId = "model_id", imageId = "image_id", labelId = "label_id" }
    public enum Columns {
        static let modelId = Column(CodingKeys.modelId)
    }

    /// A model's stored probabilities, by image, in the order of `labels` (0 for a label it does not name).
    public static func probabilities(_ db: Database, modelId: Int64, labels: [String]) throws -> [Int64: [Double]] {
        var out: [Int64: [Double]] = [:]
        for prediction in try PredictionRecord.filter(Columns.modelId == modelId).fetchAll(db) {
            out[prediction.imageId] = labels.map { prediction.scores[$0] ?? 0 }
        }
        return out
    }
}

/// A label given by a model, not a person.
public struct MachineLabelRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "machine_label"
    public var imageId: Int64
    public var modelId: Int64
    public var labelId: Int64
    public var confidence: Double
    public var threshold: Double
    public var createdAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case confidence, threshold, imageId = "image_id", modelId = "model_id", labelId = "label_id", createdAt = "created_at", runId = "run_id"
    }

    /// Every machine label, by image.
    public static func byImage(_ db: Database) throws -> [Int64: MachineLabelRecord] {
        Dictionary(uniqueKeysWithValues: try MachineLabelRecord.fetchAll(db).map { ($0.imageId, $0) })
    }
}

/// One validation image of a model: its out-of-fold call against the consensus.
public struct ModelValidationRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "model_validation"
    public var modelId: Int64
    public var imageId: Int64
    public var labelId: Int64
    public var confidence: Double
    public var humanLabelId: Int64
    public var labelRight: Double

    enum CodingKeys: String, CodingKey {
        case confidence, modelId = "model_id", imageId = "image_id", labelId = "label_id", humanLabelId = "human_label_id", labelRight = "label_right"
    }
}

/// The learned filters of a job (one per version).
public struct FeatureExtractorRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "feature_extractor"
    public var id: Int64?
    public var version: String
    public var algorithm: String
    public var parameters: String
    public var filters: Data
    public var createdAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey { case id, version, algorithm, parameters, filters, createdAt = "created_at", runId = "run_id" }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An image's cached filter features (float32 little-endian).
public struct ImageFeatureRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "image_feature"
    public var extractorId: Int64
    public var imageId: Int64
    public var vector: Data

    enum CodingKeys: String, CodingKey { case vector, extractorId = "extractor_id", imageId = "image_id" }
    public enum Columns {
        static let extractorId = Column(CodingKeys.extractorId)
    }
}

/// The pretrained backbone's checkpoint, stored once in the job.
public struct BackboneRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "backbone"
    public var id: Int64?
    public var name: String
    public var sha256: String
    public var inputSide: Int
    public var checkpoint: Data
    public var source: String
    public var createdAt: String
    public var runId: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, sha256, checkpoint, source, inputSide = "input_side", createdAt = "created_at", runId = "run_id"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An image's cached backbone map (float16).
public struct ImageBackboneMapRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "image_backbone_map"
    public var backboneId: Int64
    public var imageId: Int64
    public var height: Int
    public var width: Int
    public var channels: Int
    public var map: Data

    enum CodingKeys: String, CodingKey { case height, width, channels, map, backboneId = "backbone_id", imageId = "image_id" }
    public enum Columns {
        static let backboneId = Column(CodingKeys.backboneId)
    }
}

/// A human label a model's out-of-fold scores make suspect (see `Suspects`).
public struct SuspectRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "suspect"
    public var modelId: Int64
    public var imageId: Int64
    public var labelId: Int64
    public var suggestedLabelId: Int64
    public var score: Double
    public var modelProbability: Double
    public var consensusConfidence: Double
    public var voterAccuracy: Double?
    public var votes: Int
    public var reasons: String

    enum CodingKeys: String, CodingKey {
        case score, votes, reasons, modelId = "model_id", imageId = "image_id", labelId = "label_id", suggestedLabelId = "suggested_label_id",
             modelProbability = "model_probability", consensusConfidence = "consensus_confidence", voterAccuracy = "voter_accuracy"
    }
}
