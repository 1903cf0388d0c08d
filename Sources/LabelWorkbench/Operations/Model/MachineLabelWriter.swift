import Foundation
import GRDB

/// The writes of `lw auto-label` for one model, image by image, inside its
/// one transaction: the prediction, the machine label added, revised or
/// withdrawn (audited), and the image's place in the humans' queue.
struct MachineLabelWriter {
    private let db: Database
    private let context: RunContext
    private let model: ModelRecord
    private let labels: [LabelRecord]
    private let thresholds: [Double?]
    private let busy: Set<Int64>
    private let human: Set<Int64>
    private let current: [Int64: MachineLabelRecord]
    private let ranks: [Int64: Double?]
    private(set) var added = 0, revised = 0, withdrawn = 0

    /// `thresholds`: each label's, in class order (the model's, raised where other labels' recall needs it).
    init(_ db: Database, context: RunContext, model: ModelRecord, labels: [LabelRecord], thresholds: [Double?]) throws {
        self.db = db
        self.context = context
        self.model = model
        self.labels = labels
        self.thresholds = thresholds
        busy = try AssignmentRecord.imagesOpen(db)
        human = try ConsensusRecord.imageIds(db)
        current = try MachineLabelRecord.byImage(db)
        ranks = try ImageRecord.uncertaintyRanks(db)
    }

    private var modelId: Int64 { model.id! }

    /// Applies the model's probabilities for one image (a human label wins: nothing changes).
    mutating func apply(imageId id: Int64, probabilities p: [Double]) throws {
        guard !human.contains(id) else { return }
        let best = Probabilities.argmax(p)
        let confidence = Self.rounded(p[best])
        if model.modelKind == .builtin { try storePrediction(id, p, best: best) }
        let old = current[id]
        let decision = AutoLabel.decide(current: old.map { ($0.modelId, $0.labelId, $0.confidence) }, modelId: modelId,
                                        labelId: labels[best].id!, confidence: confidence, threshold: thresholds[best], busy: busy.contains(id))
        let label = MachineLabelRecord(imageId: id, modelId: modelId, labelId: labels[best].id!, confidence: confidence,
                                       threshold: thresholds[best] ?? 0, createdAt: context.clock.iso, runId: context.runId!)
        switch decision {
        case .add: try add(label, name: labels[best].name)
        case .update(let isRevised): try update(old!, to: label, revised: isRevised)
        case .withdraw: try withdraw(old!, confidence: confidence, threshold: thresholds[best])
        case .keep, .leave: break
        }
        // Machine-labeled images leave the humans' queue; the others are ranked by confidence.
        let rank: Double? = decision.isLabeled ? nil : confidence
        if ranks[id] ?? nil != rank {
            try db.execute(sql: "UPDATE image SET uncertainty_rank = ? WHERE id = ?", arguments: [rank, id])
        }
    }

    private static func rounded(_ p: Double) -> Double { (p * 1e6).rounded() / 1e6 }

    private func storePrediction(_ id: Int64, _ p: [Double], best: Int) throws {
        let scores = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1.name, Self.rounded(p[$0])) })
        try PredictionRecord(modelId: modelId, imageId: id, labelId: labels[best].id!, confidence: Self.rounded(p[best]), scores: scores)
            .insert(db, onConflict: .replace)
    }

    private mutating func add(_ label: MachineLabelRecord, name: String) throws {
        try label.insert(db)
        try context.audit(db, action: .machineLabelAdd, entity: "machine_label", entityId: label.imageId,
                          after: ["model_id": modelId, "label": name, "confidence": label.confidence, "threshold": label.threshold])
        added += 1
    }

    private mutating func update(_ old: MachineLabelRecord, to label: MachineLabelRecord, revised isRevised: Bool) throws {
        try label.update(db)
        if isRevised { revised += 1 }
        try context.audit(db, action: .machineLabelRevise, entity: "machine_label", entityId: label.imageId,
                          before: ["model_id": old.modelId, "label_id": old.labelId, "confidence": old.confidence],
                          after: ["model_id": modelId, "label_id": label.labelId, "confidence": label.confidence, "threshold": label.threshold])
    }

    private mutating func withdraw(_ old: MachineLabelRecord, confidence: Double, threshold: Double?) throws {
        try old.delete(db)
        try context.audit(db, action: .machineLabelWithdraw, entity: "machine_label", entityId: old.imageId,
                          before: ["model_id": old.modelId, "label_id": old.labelId, "confidence": old.confidence],
                          after: ["model_id": modelId, "confidence": confidence, "threshold": threshold as Any])
        withdrawn += 1
    }
}
