import Crypto
import Foundation
import GRDB

/// `lw train`: fits the built-in model on the human labels and finds the
/// confidence threshold that keeps machine labels at the job's target accuracy.
///
/// Validation: every human-labeled image has a stored fold (0-4). Five models,
/// each trained without one fold, predict that fold; the out-of-fold
/// predictions of images that were picked at random (not by uncertainty) are
/// the validation set — a random sample, as large as it can honestly be. Human
/// labels are noisy (a 2:1 vote is not certain truth): when they are
/// near-certain on average, the accuracy of the covered items is estimated
/// jointly with that noise, the model as one more annotator
/// (`ThresholdSearch.jointPrecision`); otherwise each item counts as right with
/// the consensus posterior of the predicted label. The threshold is the lowest
/// confidence whose covered items' one-sided Wilson lower bound (at the job's
/// `threshold_confidence`, 95% by default; on the effective number of items)
/// reaches the target; none qualifies → the model may only
/// rank images for humans.
/// The model finally used is trained on all human labels, weighted by their
/// consensus confidence.
public struct TrainModel {
    public struct Summary: Sendable {
        public var modelId: Int64
        public var reused: Bool
        public var trainingSize: Int
        public var validationSize: Int
        public var threshold: Double?
        public var metrics: [String: Double]
        public var refusal: String?
        public var classThresholds: [String: Double?] = [:]
        /// The job wants the backbone but its weights are nowhere to be found.
        public var backboneMissing = false
        /// Wall-clock seconds of each part of the run (`PartTimes`).
        public var seconds: [String: Double] = [:]
    }

    static let l2Candidates = [0.003, 0.01, 0.03, 0.1]
    static let algorithm = "softmax-regression-l2"

    public var store: Store
    public var context: RunContext
    public var progress: ProgressReporter?

    public init(store: Store, context: RunContext, progress: ProgressReporter?) {
        self.store = store
        self.context = context
        self.progress = progress
    }

    public mutating func run() throws -> Summary {
        try context.start(in: store)
        return try context.endingFailed(in: store) {
            var times = PartTimes()
            var summary = try train(&times)
            summary.seconds = times.rounded
            try context.end(in: store, status: .succeeded, counts: [
                "seconds": summary.seconds,
                "model_id": summary.modelId, "reused": summary.reused, "training_size": summary.trainingSize,
                "validation_size": summary.validationSize, "threshold": summary.threshold as Any,
            ])
            return summary
        }
    }

    private func train(_ times: inout PartTimes) throws -> Summary {
        let context = self.context
        let labels = try store.pool.read { try LabelRecord.names($0) }
        let settings = try store.pool.read { try Settings.load($0) }
        try store.pool.write { db in _ = try RefreshConsensus.run(db, context: context) }
        let labeled = try store.pool.read { try HumanLabels.load($0, labels: labels) }
        if (try? HumanLabels.checkEnough(labeled, labels: labels)) == nil, try store.pool.read({ try ReferenceHead.exist($0) }) {
            return try referenceModel(settings: settings, labels: labels, times: &times)
        }
        try HumanLabels.checkEnough(labeled, labels: labels)

        let (extractorId, extractor) = try times.measure("features") {
            try FeatureCache.ensureExtractor(store: store, context: context, progress: progress)
        }
        let backbone = try times.measure("backbone_load") { settings.backbone ? try BackboneCache.ensure(store: store, context: context) : nil }
        let referenceKey = try backbone.flatMap { b in try store.pool.read { try ReferenceHead.storedKey($0, backboneId: b.id) } }
        let backboneKey = backbone.map { "\(BackboneCache.name)#\($0.id)" + (referenceKey.map { "|references:\($0)" } ?? "") }
        let setHash = Self.hash(labeled, extractor: settings.modelVersion(extractor: extractor.version, backbone: backboneKey), target: settings.target,
                                confidence: settings.confidence)
        if let existing = try existingModel(labeledSet: setHash) { return existing }

        let (unreadable, features) = try times.measure("features") {
            (try FeatureCache.ensureFeatures(store: store, extractorId: extractorId, extractor: extractor,
                                             imageIds: labeled.map(\.imageId), progress: progress),
             try store.pool.read { try FeatureCache.load($0, extractorId: extractorId, imageIds: labeled.map(\.imageId)) })
        }
        let usable = labeled.filter { features[$0.imageId] != nil && !unreadable.contains($0.imageId) }
        try HumanLabels.checkEnough(usable, labels: labels)
        let folds = try assignFolds(usable)
        let x = usable.map { features[$0.imageId]! }
        let experts = try crossFit(x: x, usable: usable, folds: folds, backbone: backbone, settings: settings, classes: labels.count, times: &times)
        let evaluation = ModelEvaluation(experts, usable: usable, settings: settings, classes: labels.count)
        let weights = try JSONEncoder().encode(Self.finalModel(x: x, usable: usable, experts: experts, classes: labels.count))
        let parameters = Self.parameters(settings: settings, extractor: extractor.version, filters: experts.filters, items: evaluation.validation.items,
                                         networks: experts.networks, convnetWeight: experts.convnetWeight,
                                         backbone: experts.backbone, backboneWeight: experts.backboneWeight, backboneAvailable: backbone != nil,
                                         referenceWeight: experts.reference == nil ? nil : experts.referenceWeight ?? 0)
        let row = NewModel(algorithm: experts.algorithm, parameters: parameters, extractorId: extractorId, trainingSize: usable.count,
                           validationSize: evaluation.validation.items.count, metrics: evaluation.metrics,
                           thresholds: Dictionary(uniqueKeysWithValues: zip(labels, evaluation.thresholds)),
                           target: settings.target, labeledSet: setHash, weights: weights, refusal: evaluation.refusal)
        guard let modelId = try insert(row, evidence: evaluation.validation.evidence, recallBands: evaluation.recallBands, humans: usable, oof: experts.oof) else { return try existingModel(labeledSet: setHash)! }
        return Summary(modelId: modelId, reused: false, trainingSize: row.trainingSize, validationSize: row.validationSize,
                       threshold: row.lowestThreshold, metrics: row.metrics, refusal: row.refusal, classThresholds: row.thresholds,
                       backboneMissing: settings.backbone && backbone == nil)
    }

    /// Every expert cross-fitted on the usable labels, and their out-of-fold combination.
    private func crossFit(x: [[Float]], usable: [HumanLabel], folds: [Int], backbone: BackboneCache.Loaded?, settings: Settings,
                          classes: Int, times: inout PartTimes) throws -> CrossFittedExperts {
        let filters = times.measure("filters") { Self.fitFilters(x: x, labeled: usable, folds: folds, classes: classes) }
        var experts = CrossFittedExperts(filters: filters, oof: filters.oof)
        let labels = usable.map(\.label)
        // With the backbone's head: each image scored by the head of the fold that did not see it.
        if let backbone, let fit = try fitBackbone(backbone, usable: usable, folds: folds, classes: classes, times: &times) {
            experts.backbone = fit
            (experts.backboneWeight, experts.oof) = BuiltinModel.join(fit.oof, to: experts.oof, labels: labels, classes: classes,
                                                                      candidates: BuiltinModel.backboneWeights)
        }
        // With references: the head fitted on them joins at the weight that ranks the human labels best.
        if let backbone, let head = try times.measure("reference_head", {
            try ReferenceHead.ensure(store: store, backbone: backbone, context: context, progress: progress)
        }) {
            let scores = try referenceScores(head, backbone: backbone, usable: usable)
            experts.reference = head
            experts.referenceOOF = scores
            experts.referenceBackboneId = backbone.id
            (experts.referenceWeight, experts.oof) = BuiltinModel.join(scores, to: experts.oof, labels: labels, classes: classes,
                                                                       candidates: BuiltinModel.referenceWeights)
        }
        // With the networks: each validation image scored by the network that did not see it.
        if settings.withConvNet, let trained = try times.measure("networks", {
            try trainConvNets(usable, classes: classes, side: settings.convnetSide, selfTraining: settings.selfTraining,
                              objectCopies: settings.objectCopies, imageSteps: settings.convnetImageSteps)
        }) {
            experts.networks = trained
            (experts.convnetWeight, experts.oof) = BuiltinModel.join(trained.outOfFold, to: experts.oof, labels: labels, classes: classes,
                                                                     candidates: BuiltinModel.convnetWeights)
        }
        return experts
    }

    /// The model used for auto-labeling: the filters' regression refitted on all
    /// labels, weighted by consensus confidence, beside the cross-fitted experts.
    /// The networks are kept even with no weight: the next round's start from
    /// them (auto-label skips networks of weight 0).
    static func finalModel(x: [[Float]], usable: [HumanLabel], experts: CrossFittedExperts, classes: Int) -> BuiltinModel {
        let standardizer = Standardizer.fit(x)
        let regression = SoftmaxRegression.fit(x.map(standardizer.apply), labels: usable.map(\.label), sampleWeights: usable.map(\.confidence),
                                               classes: classes, l2: experts.filters.l2)
        var model = BuiltinModel(standardizer: standardizer, regression: regression, convnets: experts.networks?.nets,
                                 convnetWeight: experts.convnetWeight, mirrorsImages: experts.networks == nil ? nil : true)
        model.backbone = experts.backbone?.head
        model.backboneId = experts.backbone?.backboneId
        model.backboneWeight = experts.backboneWeight
        if let head = experts.reference, (experts.referenceWeight ?? 0) > 0 {
            model.reference = head
            model.referenceWeight = experts.referenceWeight
            model.backboneId = model.backboneId ?? experts.referenceBackboneId
        }
        return model
    }

    /// A trained model's row, as `insert` stores it.
    struct NewModel {
        var algorithm: String
        var parameters: String
        var extractorId: Int64
        var trainingSize: Int
        var validationSize: Int
        var metrics: [String: Double]
        /// Each label's threshold; nil: the model may not label it.
        var thresholds: [String: Double?]
        var target: Double
        var labeledSet: String
        var weights: Data
        var refusal: String?

        var lowestThreshold: Double? { thresholds.values.compactMap { $0 }.min() }
    }

    /// Stores the model with its validation evidence, its suspects and audit row; nil when
    /// another `lw train` stored this very model while this one computed.
    private func insert(_ model: NewModel, evidence: [ModelValidation.Item], recallBands: [[RecallBound.Band]], humans: [HumanLabel],
                        oof: [[Double]]) throws -> Int64? {
        let context = self.context
        return try store.pool.write { db in
            if try ModelRecord.trained(db, labeledSet: model.labeledSet) != nil { return nil }
            var record = ModelRecord(kind: ModelKind.builtin.rawValue, algorithm: model.algorithm, parameters: model.parameters,
                                     extractorId: model.extractorId, trainingSize: model.trainingSize, validationSize: model.validationSize,
                                     metrics: JSON.text(model.metrics), threshold: model.lowestThreshold, classThresholds: model.thresholds,
                                     targetAccuracy: model.target, labeledSet: model.labeledSet, weights: model.weights,
                                     createdAt: context.clock.iso, runId: context.runId!)
            try record.insert(db)
            let id = record.id!
            try ModelValidation.record(db, modelId: id, items: evidence)
            try RecallEvidence.record(db, modelId: id, bands: recallBands)
            try Suspects.record(db, modelId: id, humans: humans, oof: oof)
            try context.audit(db, action: .modelTrain, entity: "model", entityId: id, after: [
                "training_size": model.trainingSize, "validation_size": model.validationSize, "threshold": model.lowestThreshold as Any,
                "class_thresholds": JSON.text(model.thresholds.mapValues { $0 as Any }), "metrics": model.metrics, "refusal": model.refusal as Any,
            ])
            return id
        }
    }

    /// The model already trained on this labeled set with these settings (`lw train` is
    /// idempotent), with its per-label thresholds and the refusal its training recorded.
    func existingModel(labeledSet: String) throws -> Summary? {
        try store.pool.read { db in
            guard let existing = try ModelRecord.trained(db, labeledSet: labeledSet) else { return nil }
            let trained = try AuditEventRecord.modelTrained(db, modelId: existing.id!)
            var summary = Summary(modelId: existing.id!, reused: true, trainingSize: existing.trainingSize,
                                  validationSize: existing.validationSize, threshold: existing.threshold,
                                  metrics: existing.numericMetrics, refusal: trained?.refusal)
            summary.classThresholds = existing.classThresholds ?? [:]
            return summary
        }
    }

    /// The filters' regression, cross-fitted: its L2 strength (the candidate with the lowest
    /// out-of-fold log-loss against the consensus posteriors), that loss, and the out-of-fold
    /// probabilities of every image.
    struct FilterFit {
        var l2: Double
        var loss: Double
        var oof: [[Double]]
    }

    static func fitFilters(x: [[Float]], labeled: [HumanLabel], folds: [Int], classes: Int) -> FilterFit {
        let chosen = crossFitRegression(x: x, y: labeled.map(\.label), weights: labeled.map(\.confidence), posteriors: labeled.map(\.posteriors),
                                        folds: folds, classes: classes, candidates: l2Candidates)
        return FilterFit(l2: chosen.l2, loss: chosen.loss, oof: chosen.oof)
    }

    /// The regression of each fold fitted on the others, standardised on them too.
    static func crossFitRegression(x: [[Float]], y: [Int], weights: [Double], posteriors: [[Double]], folds: [Int], classes: Int,
                                   candidates: [Double]) -> CrossFit.Choice {
        CrossFit.chooseL2(candidates, folds: folds, posteriors: posteriors) { l2, train, test in
            let standardizer = Standardizer.fit(train.map { x[$0] })
            let model = SoftmaxRegression.fit(train.map { standardizer.apply(x[$0]) }, labels: train.map { y[$0] },
                                              sampleWeights: train.map { weights[$0] }, classes: classes, l2: l2)
            return test.map { model.probabilities(standardizer.apply(x[$0])) }
        }
    }

    /// Stored folds; new images get fold ⌊random_rank·10⁶⌋ mod 5 (stable, random).
    private func assignFolds(_ labeled: [HumanLabel]) throws -> [Int] {
        try store.pool.write { db in
            let folds = try TrainingFoldRecord.byImage(db)
            return try labeled.map { image in
                if let fold = folds[image.imageId] { return fold }
                let fold = Int(image.randomRank * 1_000_000) % 5
                try TrainingFoldRecord(imageId: image.imageId, fold: fold).insert(db)
                return fold
            }
        }
    }

    /// Out-of-fold probabilities of the filters' regression at one L2 strength.
    static func outOfFold(x: [[Float]], y: [Int], weights: [Double], folds: [Int], classes: Int, l2: Double) -> [[Double]] {
        let oneHot = y.map { label in (0..<classes).map { $0 == label ? 1.0 : 0 } }
        return crossFitRegression(x: x, y: y, weights: weights, posteriors: oneHot, folds: folds, classes: classes, candidates: [l2]).oof
    }

    /// Models made before `threshold_confidence` existed used 0.975 with no
    /// confidence in their key; leaving it out for 0.975 keeps them reusable.
    static func confidenceKey(_ confidence: Double) -> String {
        confidence == 0.975 ? "" : "|confidence:\(confidence)"
    }

    /// In every key since `lw train` stores the suspects of its human labels
    /// and the recall bands of its validation: a model made before has none,
    /// so it is trained again rather than reused.
    static let suspectsKey = "|suspects|recall-bands"

    static func hash(_ labeled: [HumanLabel], extractor: String, target: Double, confidence: Double) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(algorithm)|\(extractor)|\(target)|\(l2Candidates)\(confidenceKey(confidence))\(suspectsKey)".utf8))
        for l in labeled {
            hasher.update(data: Data("\(l.imageId):\(l.label):\(String(format: "%.3f", l.confidence)):\(l.inValidationSample)\n".utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
