import Foundation
import GRDB

/// `lw train` with the job's references (`lw references add`): before there
/// are enough human labels, a round-0 model that ranks every image by the
/// reference head alone; after, the reference head as one more expert.
extension TrainModel {
    static let referenceAlgorithm = "reference-head"
    static let referenceRefusal = "a reference model: no human label has validated it, so it only ranks images for humans (lw assign sends the likeliest and the least certain first)"

    /// Round 0: the model whose only expert is the reference head. It has no
    /// threshold (nothing has validated it); `lw auto-label` ranks every image with it.
    func referenceModel(settings: Settings, labels: [String], times: inout PartTimes) throws -> Summary {
        let context = self.context
        guard settings.backbone, let backbone = try times.measure("backbone_load", { try BackboneCache.ensure(store: store, context: context) }) else {
            throw LWError.invalidArgument("too few human labels to train, and the references need the pretrained backbone (--backbone on): \(BackboneCache.howToGet)")
        }
        let key = try store.pool.read { try ReferenceHead.storedKey($0, backboneId: backbone.id) } ?? ""
        let labeledSet = "\(Self.referenceAlgorithm)|\(MILHead.version)|\(key)"
        if let existing = try existingModel(labeledSet: labeledSet) { return existing }
        guard let head = try times.measure("reference_head", {
            try ReferenceHead.ensure(store: store, backbone: backbone, context: context, progress: progress)
        }) else { throw LWError.invalidArgument("the job's references could not be read: list them with `lw references list`") }
        let classes = labels.count
        var model = BuiltinModel(standardizer: Standardizer(mean: [], scale: []),
                                 regression: SoftmaxRegression(classes: classes, dims: 0, weights: [Float](repeating: 0, count: classes), l2: 0))
        model.reference = head
        model.referenceWeight = 1
        model.referenceOnly = true
        model.backboneId = backbone.id
        let parameters = JSON.text([
            "reference_head": ReferenceHead.version, "pastes_per_reference_at_most": ReferenceHead.pastesPerReference,
            "backgrounds": ReferenceHead.backgrounds, "l2": ReferenceHead.l2, "head": MILHead.version, "backbone_id": backbone.id,
            "ranks_only": true,
        ] as [String: Any])
        let id: Int64 = try store.pool.write { db in
            if let existing = try ModelRecord.trained(db, labeledSet: labeledSet) { return existing.id! }
            var record = ModelRecord(kind: ModelKind.builtin.rawValue, algorithm: Self.referenceAlgorithm, parameters: parameters,
                                     extractorId: nil, trainingSize: 0, validationSize: 0, metrics: "{}", threshold: nil,
                                     classThresholds: Dictionary(uniqueKeysWithValues: labels.map { ($0, nil) }),
                                     targetAccuracy: settings.target, labeledSet: labeledSet, weights: try JSONEncoder().encode(model),
                                     createdAt: context.clock.iso, runId: context.runId!)
            try record.insert(db)
            try context.audit(db, action: .modelTrain, entity: "model", entityId: record.id!, after: [
                "training_size": 0, "validation_size": 0, "threshold": NSNull(), "algorithm": Self.referenceAlgorithm,
                "refusal": Self.referenceRefusal,
            ])
            return record.id!
        }
        return Summary(modelId: id, reused: false, trainingSize: 0, validationSize: 0, threshold: nil, metrics: [:],
                       refusal: Self.referenceRefusal)
    }

    /// The reference head's probabilities for the human-labeled images (nil where an image has no map).
    func referenceScores(_ head: MILHead, backbone: BackboneCache.Loaded, usable: [HumanLabel]) throws -> [[Double]?] {
        let ids = usable.map(\.imageId)
        try BackboneCache.ensureMaps(store: store, backbone: backbone, imageIds: ids, progress: progress)
        var scored: [Int64: [Double]] = [:]
        try store.pool.read { db in
            try BackboneCache.forEachMap(db, backboneId: backbone.id, imageIds: ids) { scored[$0] = head.probabilities($1) }
        }
        return ids.map { scored[$0] }
    }
}
