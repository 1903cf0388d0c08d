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
    }

    public static let minimumLabels = 20
    public static let minimumPerClass = 5
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

    struct Labeled {
        var imageId: Int64
        var label: Int
        var confidence: Double
        var posteriors: [Double]
        var randomRank: Double
        var pickedAtRandom: Bool
    }

    public mutating func run() throws -> Summary {
        try context.start(in: store)
        do {
            let summary = try train()
            try context.end(in: store, status: "succeeded", counts: [
                "model_id": summary.modelId, "reused": summary.reused, "training_size": summary.trainingSize,
                "validation_size": summary.validationSize, "threshold": summary.threshold as Any,
            ])
            return summary
        } catch {
            try? context.end(in: store, status: "failed", counts: ["error": "\(error)"])
            throw error
        }
    }

    private func train() throws -> Summary {
        let context = self.context
        let labels = try store.pool.read { try String.fetchAll($0, sql: "SELECT name FROM label ORDER BY class_index") }
        let job = try store.pool.read { try Row.fetchOne($0, sql: "SELECT target_accuracy, threshold_confidence, model, convnet_side, self_training, object_copies FROM job")! }
        let target: Double = job["target_accuracy"], confidence: Double = job["threshold_confidence"]
        let z = ThresholdSearch.zScore(confidence: confidence)
        let withConvNet = (job["model"] as String) == "filters+convnet", convnetSide: Int = job["convnet_side"]
        let selfTraining: Bool = job["self_training"]
        // Copies live in the student: without self-training there are none.
        let objectCopies = selfTraining && (job["object_copies"] as Bool)
        try store.pool.write { db in _ = try RefreshConsensus.run(db, context: context) }
        let labeled = try loadLabeled(labels: labels)
        try checkEnough(labeled, labels: labels)

        let (extractorId, extractor) = try FeatureCache.ensureExtractor(store: store, context: context, progress: progress)
        // Models trained before the switch existed had self-training on: their key stays the same.
        let modelVersion = extractor.version + (withConvNet ? "|convnet:\(convnetSide):\(ConvNetTraining.version)" : "")
            + (withConvNet && !selfTraining ? "|self-training:off" : "")
            + (withConvNet && objectCopies ? "|object-copies:\(ObjectCopies.version)" : "")
        let setHash = Self.hash(labeled, extractor: modelVersion, target: target, confidence: confidence)
        if let existing = try store.pool.read({ db in
            try Row.fetchOne(db, sql: "SELECT id, training_size, validation_size, threshold, metrics FROM model WHERE kind = 'builtin' AND labeled_set = ? ORDER BY id DESC LIMIT 1", arguments: [setHash])
        }) {
            let metrics = (try? JSONSerialization.jsonObject(with: Data((existing["metrics"] as String).utf8)) as? [String: Double]) ?? [:]
            return Summary(modelId: existing["id"], reused: true, trainingSize: existing["training_size"], validationSize: existing["validation_size"],
                           threshold: existing["threshold"], metrics: metrics, refusal: nil)
        }

        let unreadable = try FeatureCache.ensureFeatures(store: store, extractorId: extractorId, extractor: extractor,
                                                         imageIds: labeled.map(\.imageId), progress: progress)
        let features = try store.pool.read { try FeatureCache.load($0, extractorId: extractorId, imageIds: labeled.map(\.imageId)) }
        let usable = labeled.filter { features[$0.imageId] != nil && !unreadable.contains($0.imageId) }
        try checkEnough(usable, labels: labels)
        let folds = try assignFolds(usable)

        // Cross-fitted, out-of-fold probabilities for every usable image, for each L2 strength.
        let x = usable.map { features[$0.imageId]! }
        let y = usable.map(\.label)
        let w = usable.map(\.confidence)
        var best: (l2: Double, loss: Double, oof: [[Double]])?
        for l2 in Self.l2Candidates {
            let oof = Self.outOfFold(x: x, y: y, weights: w, folds: folds, classes: labels.count, l2: l2)
            var loss = 0.0
            for i in 0..<usable.count { for c in 0..<labels.count { loss -= usable[i].posteriors[c] * log(max(oof[i][c], 1e-12)) } }
            loss /= Double(usable.count)
            if best == nil || loss < best!.loss { best = (l2, loss, oof) }
        }
        let chosen = best!
        // With the network: each validation image scored by the network that did not see it.
        var oof = chosen.oof
        var convnetOutOfFold: [[Double]?] = []
        var convnets: [ConvNet]?
        var convnetWeight: Double?
        var convnetRuns: TrainedConvNets?
        if withConvNet, let trained = try trainConvNets(usable, classes: labels.count, side: convnetSide, selfTraining: selfTraining,
                                                               objectCopies: objectCopies) {
            convnetOutOfFold = trained.outOfFold
            convnetRuns = trained
            // The networks' weight, by how well the out-of-fold combination ranks all human
            // labels (`BuiltinModel.chooseConvnetWeight`). The filters keep their full weight.
            let w = BuiltinModel.chooseConvnetWeight(filters: chosen.oof, convnet: trained.outOfFold,
                                                     labels: usable.map(\.label), classes: labels.count)
            convnetWeight = w
            for i in usable.indices { if let p = trained.outOfFold[i] { oof[i] = BuiltinModel.combine([chosen.oof[i], p], weights: [1, w]) } }
            // Kept even with no weight: the next round's networks start from them
            // (auto-label skips networks of weight 0).
            convnets = trained.nets
        }
        let validation = ModelValidation.sample(humans: usable, classes: labels.count) { oof[$0] }
        let items = validation.items, predictedLabels = validation.predicted, validationIndex = validation.humanIndex
        let perLabel = ThresholdSearch.searchPerLabel(items, predicted: predictedLabels, classes: labels.count, target: target, z: z)
        let search = perLabel.single
        let thresholds = perLabel.thresholds
        let anyThreshold = thresholds.contains { $0 != nil }
        var metrics: [String: Double] = [
            "l2": chosen.l2, "log_loss": chosen.loss,
            "accuracy": items.isEmpty ? 0 : items.reduce(0) { $0 + $1.correct } / Double(items.count),
            "covered_share": items.isEmpty ? 0 : Double(perLabel.covered) / Double(items.count),
            "covered_share_single_threshold": items.isEmpty ? 0 : Double(search.covered) / Double(items.count),
            "covered_accuracy": search.accuracy, "covered_lower_bound": search.lowerBound,
            "calibration_error": Self.calibrationError(items),
            "minimum_validation_items": Double(search.minimumItems),
            "validation_certainty": ThresholdSearch.certainty(items),
        ]
        if labels.count == 2 {
            let positives = validationIndex.map { usable[$0].label == 0 }
            metrics["auc"] = ThresholdSearch.auc(scores: validationIndex.map { oof[$0][0] }, positives: positives)
            if !convnetOutOfFold.isEmpty {
                metrics["convnet_weight"] = convnetWeight
                metrics["auc_filters"] = ThresholdSearch.auc(scores: validationIndex.map { chosen.oof[$0][0] }, positives: positives)
                let scored = validationIndex.filter { convnetOutOfFold[$0] != nil }
                metrics["auc_convnet"] = ThresholdSearch.auc(scores: scored.map { convnetOutOfFold[$0]![0] },
                                                             positives: scored.map { usable[$0].label == 0 })
            }
        }
        var refusal: String?
        if !anyThreshold {
            refusal = items.count < search.minimumItems
                ? "validation has \(items.count) randomly picked images; at least \(search.minimumItems) (all correct) are needed to show \(target) accuracy with \(confidence) confidence"
                : "no confidence level reaches \(target) accuracy on validation (the best lower bound of any threshold: \(String(format: "%.3f", search.bestLowerBound)))"
                    + (ThresholdSearch.usesJointEstimate(items) ? "" : String(format: "; validation labels are %.3f certain on average, below the %.2f that lets lw estimate the model's accuracy jointly with the workers': more votes per validation image raise it",
                                                                              ThresholdSearch.certainty(items), ThresholdSearch.jointEstimateMinimumCertainty))
        }

        // The model used for auto-labeling: all labels, weighted by consensus confidence.
        let standardizer = Standardizer.fit(x)
        let regression = SoftmaxRegression.fit(x.map(standardizer.apply), labels: y, sampleWeights: w, classes: labels.count, l2: chosen.l2)
        let weights = try JSONEncoder().encode(BuiltinModel(standardizer: standardizer, regression: regression, convnets: convnets,
                                                            convnetWeight: convnetWeight, mirrorsImages: convnets == nil ? nil : true))
        var parameterValues: [String: Any] = [
            "l2": chosen.l2, "l2_candidates": Self.l2Candidates, "folds": 5, "bound": Self.boundDescription(confidence: confidence, z: z),
            "accuracy_estimate": ThresholdSearch.usesJointEstimate(items) ? "joint (model + workers)" : "consensus posterior",
            "extractor": extractor.version, "sample_weights": "consensus confidence", "model": withConvNet ? "filters+convnet" : "filters",
        ]
        if withConvNet && convnetOutOfFold.isEmpty {
            parameterValues["convnet"] = ["skipped": "a half of the human labels has fewer than 2 readable images"]
        } else if let trained = convnetRuns {
            let settings = ConvNetTraining.Settings()
            parameterValues["convnet"] = [
                "side": convnetSide, "channels": ConvNet.defaultChannels, "networks": 2, "split": "halves by random_rank",
                "warm_start_model": trained.warmStartModel as Any, "epochs": trained.networks.map(\.epochs),
                "minimum_image_steps": ConvNetTraining.Settings.minimumImageSteps, "batch_size": settings.batchSize,
                "max_learning_rate": settings.maxLearningRate, "weight_decay": settings.weightDecay,
                "version": ConvNetTraining.version, "targets": "consensus posteriors",
                "weight_candidates": BuiltinModel.convnetWeights, "weight": convnetWeight as Any,
                "weight_chosen_by": "out-of-fold AUC",
                "used_by_auto_label": (convnetWeight ?? 0) > 0, "runs": trained.networks.map(\.runs), "mirror_at_prediction": true,
                "self_training_labels": trained.networks.map(\.pseudoLabels),
                "self_training_epochs": trained.networks.map(\.studentEpochs), "self_training": trained.networks.map(\.selfTraining),
                "object_copies": trained.networks.map(\.objectCopies),
            ]
        }
        let parameters = JSON.text(parameterValues)
        // Says what was trained: a half with fewer than two readable images leaves the filters alone.
        let algorithm = convnetOutOfFold.isEmpty ? Self.algorithm : Self.algorithm + "+convnet"
        let trainingSize = usable.count, validationSize = items.count
        let lowestThreshold = thresholds.compactMap { $0 }.min()
        let classThresholds = JSON.text(Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, thresholds[$0] as Any) }))
        let modelId: Int64 = try store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO model (kind, algorithm, parameters, extractor_id, training_size, validation_size, metrics, threshold,
                                   class_thresholds, target_accuracy, labeled_set, weights, created_at, run_id)
                VALUES ('builtin', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [algorithm, parameters, extractorId, trainingSize, validationSize, JSON.text(metrics),
                                 lowestThreshold, classThresholds, target, setHash, weights, context.clock.iso, context.runId])
            let id = db.lastInsertedRowID
            try ModelValidation.record(db, modelId: id, items: validation.evidence)
            try context.audit(db, action: "model.train", entity: "model", entityId: id, after: [
                "training_size": trainingSize, "validation_size": validationSize, "threshold": lowestThreshold as Any,
                "class_thresholds": classThresholds,
                "metrics": metrics, "refusal": refusal as Any,
            ])
            return id
        }
        return Summary(modelId: modelId, reused: false, trainingSize: trainingSize, validationSize: validationSize,
                       threshold: lowestThreshold, metrics: metrics, refusal: refusal, classThresholds: Dictionary(uniqueKeysWithValues: zip(labels, thresholds)))
    }

    private func loadLabeled(labels: [String]) throws -> [Labeled] {
        try store.pool.read { try Self.humanLabels($0, labels: labels) }
    }

    /// Human-labeled images (consensus, no open assignment) with their posteriors
    /// and whether they were picked at random (their first assignment's reason;
    /// imported votes count as random): the training set and, for the random
    /// ones, the validation set — for the built-in and for external models.
    static func humanLabels(_ db: Database, labels: [String]) throws -> [Labeled] {
        try Row.fetchAll(db, sql: humanLabelsSQL).map { row in
            let posteriorsByName = (try? JSONSerialization.jsonObject(with: Data((row["posteriors"] as String).utf8)) as? [String: Double]) ?? [:]
            return Labeled(imageId: row["image_id"], label: row["class_index"], confidence: row["confidence"],
                           posteriors: labels.map { posteriorsByName[$0] ?? 0 }, randomRank: row["random_rank"],
                           pickedAtRandom: (row["first_reason"] as String) == "random")
        }
    }

    /// Why an image first went to humans (its first assignment's reason;
    /// imported votes count as 'random'): 'random' puts it in the validation
    /// sample. One search of `assignment_by_image` per image.
    static func firstReasonSQL(image column: String) -> String {
        "coalesce((SELECT a.reason FROM assignment AS a WHERE a.image_id = \(column) ORDER BY a.id LIMIT 1), 'random')"
    }

    /// One row per human-labeled image; the first-assignment lookup walks
    /// `assignment_by_image` (see the query-plan test).
    public static let humanLabelsSQL = """
        SELECT c.image_id, l.class_index, c.confidence, c.posteriors, i.random_rank,
               \(firstReasonSQL(image: "c.image_id")) AS first_reason
        FROM consensus AS c JOIN label AS l ON l.id = c.label_id JOIN image AS i ON i.id = c.image_id
        WHERE NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = c.image_id AND a.status = 'open')
        ORDER BY c.image_id
        """

    private func checkEnough(_ labeled: [Labeled], labels: [String]) throws {
        var perClass = [Int](repeating: 0, count: labels.count)
        for l in labeled { perClass[l.label] += 1 }
        if labeled.count < Self.minimumLabels || perClass.contains(where: { $0 < Self.minimumPerClass }) {
            let counts = zip(labels, perClass).map { "\($0) \($1)" }.joined(separator: ", ")
            throw LWError.invalidArgument("too few human labels to train (\(counts)): need \(Self.minimumLabels) in all and \(Self.minimumPerClass) of each label; run `lw assign` and `lw review` first")
        }
    }

    /// Stored folds; new images get fold ⌊random_rank·10⁶⌋ mod 5 (stable, random).
    private func assignFolds(_ labeled: [Labeled]) throws -> [Int] {
        try store.pool.write { db in
            var folds: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT image_id, fold FROM training_fold") { folds[row[0]] = row[1] }
            return try labeled.map { image in
                if let fold = folds[image.imageId] { return fold }
                let fold = Int(image.randomRank * 1_000_000) % 5
                try db.execute(sql: "INSERT INTO training_fold (image_id, fold) VALUES (?, ?)", arguments: [image.imageId, fold])
                return fold
            }
        }
    }

    static func outOfFold(x: [[Float]], y: [Int], weights: [Double], folds: [Int], classes: Int, l2: Double) -> [[Double]] {
        let results: [[(Int, [Double])]] = parallelMap(Array(0..<5)) { fold in
            let train = x.indices.filter { folds[$0] != fold }
            let test = x.indices.filter { folds[$0] == fold }
            guard !train.isEmpty, !test.isEmpty else { return [] }
            let standardizer = Standardizer.fit(train.map { x[$0] })
            let model = SoftmaxRegression.fit(train.map { standardizer.apply(x[$0]) }, labels: train.map { y[$0] },
                                              sampleWeights: train.map { weights[$0] }, classes: classes, l2: l2)
            return test.map { ($0, model.probabilities(standardizer.apply(x[$0]))) }
        }
        var oof = [[Double]](repeating: [Double](repeating: 1 / Double(classes), count: classes), count: x.count)
        for fold in results { for (i, p) in fold { oof[i] = p } }
        return oof
    }

    /// Expected calibration error over 10 confidence bins.
    static func calibrationError(_ items: [ThresholdSearch.Item]) -> Double {
        guard !items.isEmpty else { return 0 }
        var total = 0.0
        for b in 0..<10 {
            let lo = 0.5 + Double(b) * 0.05, hi = lo + 0.05
            let inBin = items.filter { $0.confidence >= lo && ($0.confidence < hi || (b == 9 && $0.confidence <= 1)) }
            guard !inBin.isEmpty else { continue }
            let conf = inBin.reduce(0) { $0 + $1.confidence } / Double(inBin.count)
            let acc = inBin.reduce(0) { $0 + $1.correct } / Double(inBin.count)
            total += Double(inBin.count) * abs(conf - acc)
        }
        return total / Double(items.count)
    }

    /// How a model's parameters name its bound, e.g. "wilson one-sided 0.95 (z=1.645)".
    static func boundDescription(confidence: Double, z: Double) -> String {
        "wilson one-sided \(confidence) (z=\(String(format: "%.3f", z)))"
    }

    /// Models made before `threshold_confidence` existed used 0.975 with no
    /// confidence in their key; leaving it out for 0.975 keeps them reusable.
    static func confidenceKey(_ confidence: Double) -> String {
        confidence == 0.975 ? "" : "|confidence:\(confidence)"
    }

    static func hash(_ labeled: [Labeled], extractor: String, target: Double, confidence: Double) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(algorithm)|\(extractor)|\(target)|\(l2Candidates)\(confidenceKey(confidence))".utf8))
        for l in labeled {
            hasher.update(data: Data("\(l.imageId):\(l.label):\(String(format: "%.3f", l.confidence)):\(l.pickedAtRandom)\n".utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
