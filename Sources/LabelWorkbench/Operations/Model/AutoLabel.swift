import Foundation
import GRDB

/// `lw auto-label`: the latest model predicts every image without a human
/// label; predictions at or above its threshold become machine labels (for
/// images with no open assignment); an earlier model's machine label stands
/// only while this model confirms it (its label, at or above its threshold):
/// one it contradicts above its threshold is revised, any other is withdrawn
/// back to humans (a model without a threshold for the label withdraws only
/// the ones it contradicts; images it has no prediction for keep theirs); and
/// every image still unlabeled gets its
/// confidence as `uncertainty_rank` for `lw assign --strategy uncertain`.
/// Rerunning with the same model changes nothing.
public struct AutoLabel {
    public struct Summary: Sendable {
        public var modelId: Int64
        public var threshold: Double?
        public var predicted = 0
        public var added = 0
        public var revised = 0
        public var withdrawn = 0
        public var machineLabeled = 0
        public var unreadable = 0
        /// Each label's machine labels in class order: threshold used, held back for recall, precision and recall estimated.
        public var labels: [RecallGuard.Report] = []
        public var labelNames: [String] = []
        /// Wall-clock seconds of each part (`PartTimes`): features, backbone, networks, labels.
        public var seconds: [String: Double] = [:]

        /// What the run row records.
        var counts: [String: Any] {
            ["seconds": seconds, "model_id": modelId, "predicted": predicted, "added": added, "revised": revised,
             "withdrawn": withdrawn, "machine_labeled": machineLabeled, "held_back_for_recall": labels.map(\.heldBack)]
        }
    }

    public var store: Store
    public var context: RunContext
    public var progress: ProgressReporter?

    public init(store: Store, context: RunContext, progress: ProgressReporter?) {
        self.store = store
        self.context = context
        self.progress = progress
    }

    public mutating func run() throws -> Summary {
        guard let model = try store.pool.read({ try ModelRecord.latest($0) }) else {
            throw LWError.invalidArgument("no model yet: run `lw train` first (or `lw predictions import FILE`)")
        }
        try context.start(in: store)
        return try context.endingFailed(in: store) { try label(with: model) }
    }

    /// Predicts, labels and ranks the candidates with `model` (the run is started).
    private func label(with model: ModelRecord) throws -> Summary {
        var summary = Summary(modelId: model.id!, threshold: model.threshold)
        var times = PartTimes()
        let labels = try store.pool.read { try LabelRecord.inClassOrder($0) }
        let candidates = try store.pool.read { try ImageRecord.idsWithoutHumanLabel($0) }
        let probabilities = try self.probabilities(model, labels: labels, candidates: candidates, summary: &summary, times: &times)
        summary.predicted = probabilities.count
        let labelsStarted = Date()
        try store.pool.write { db in
            let ids = probabilities.keys.sorted()
            let guarded = try RecallGuard.apply(recallInput(db, model: model, labels: labels, probabilities: ids.map { probabilities[$0]! }))
            summary.labels = guarded.reports
            summary.labelNames = labels.map(\.name)
            var writer = try MachineLabelWriter(db, context: context, model: model, labels: labels, thresholds: guarded.thresholds)
            for id in ids { try writer.apply(imageId: id, probabilities: probabilities[id]!) }
            try RecallEvidence.store(db, modelId: model.id!, labels: labels, reports: guarded.reports,
                                     targets: try RecallEvidence.targets(db, labels: labels), runId: context.runId!)
            summary.added = writer.added
            summary.revised = writer.revised
            summary.withdrawn = writer.withdrawn
            summary.machineLabeled = try MachineLabelRecord.fetchCount(db)
            times.add("labels", since: labelsStarted)
            summary.seconds = times.rounded
            try context.finish(db, status: .succeeded, counts: summary.counts)
        }
        return summary
    }

    /// What the recall guard needs: the model's thresholds and bands, the human labels' counts, the targets.
    private func recallInput(_ db: Database, model: ModelRecord, labels: [LabelRecord], probabilities: [[Double]]) throws -> RecallGuard.Input {
        RecallGuard.Input(probabilities: probabilities, thresholds: model.thresholds(for: labels.map(\.name)),
                          bands: try RecallEvidence.bands(db, modelId: model.id!, labels: labels),
                          human: try RecallEvidence.humanCounts(db, labels: labels), targetRecall: try RecallEvidence.targets(db, labels: labels),
                          confidence: try JobSettings.load(db).thresholdConfidence)
    }

    /// Each candidate's probabilities: scored by the built-in model (features and
    /// maps computed where missing), or an external model's stored predictions.
    private func probabilities(_ model: ModelRecord, labels: [LabelRecord], candidates: [Int64], summary: inout Summary,
                               times: inout PartTimes) throws -> [Int64: [Double]] {
        guard model.modelKind == .builtin else {
            return try store.pool.read { db in
                try PredictionRecord.probabilities(db, modelId: summary.modelId, labels: labels.map(\.name))
            }
        }
        guard let weights = model.weights else {
            throw LWError.invalidArgument("model \(summary.modelId) has no weights: run `lw train` again")
        }
        let builtin = try JSONDecoder().decode(BuiltinModel.self, from: weights)
        if builtin.referenceOnly == true {
            // Round 0: the reference head alone ranks every image.
            var uniform = Dictionary(uniqueKeysWithValues: candidates.map { ($0, [Double](repeating: 1 / Double(labels.count), count: labels.count)) })
            summary.unreadable = try times.measure("backbone") { try combineBackbone(builtin, into: &uniform) }
            return uniform
        }
        guard let extractorId = model.extractorId,
              let extractor = try store.pool.read({ db in try FeatureCache.current(db) }), extractor.id == extractorId else {
            throw LWError.invalidArgument("model \(summary.modelId) has no usable feature extractor: run `lw train` again")
        }
        let (probabilities, unreadable) = try score(builtin, extractor: extractor, candidates: candidates, times: &times)
        summary.unreadable = unreadable
        return probabilities
    }

    /// The built-in model's probabilities for `candidates` (features and maps
    /// computed where not cached), and how many images could not be read.
    private func score(_ builtin: BuiltinModel, extractor: (id: Int64, extractor: FeatureExtractor), candidates: [Int64],
                       times: inout PartTimes) throws -> ([Int64: [Double]], Int) {
        let started = Date()
        var unreadable = try FeatureCache.ensureFeatures(store: store, extractorId: extractor.id, extractor: extractor.extractor,
                                                         imageIds: candidates, progress: progress).count
        var probabilities = try store.pool.read { db in
            var scored: [Int64: [Double]] = [:]
            try FeatureCache.forEachVector(db, extractorId: extractor.id, imageIds: candidates) { scored[$0] = builtin.probabilities($1) }
            return scored
        }
        times.add("features", since: started)
        if builtin.readsMaps {
            unreadable += try times.measure("backbone") { try combineBackbone(builtin, into: &probabilities) }
        }
        if builtin.scoresWithConvnets {
            unreadable += try times.measure("networks") { try combineConvnets(builtin, into: &probabilities) }
        }
        return (probabilities, unreadable)
    }

    /// Joins the networks' probabilities: they read the pixels, decoded and
    /// scored in chunks so memory stays flat. Returns the unreadable files' count.
    private func combineConvnets(_ builtin: BuiltinModel, into probabilities: inout [Int64: [Double]]) throws -> Int {
        let paths = try store.pool.read { try ImageRecord.pathsById($0) }
        let ids = probabilities.keys.sorted()
        var unreadable = 0
        progress?.start("convnet", total: ids.count)
        for start in stride(from: 0, to: ids.count, by: 512) {
            let chunk = Array(ids[start..<min(ids.count, start + 512)])
            for (id, p) in zip(chunk, builtin.convnetProbabilities(paths: chunk.map { paths[$0] ?? "" })) {
                if let p { probabilities[id] = builtin.combined(filters: probabilities[id]!, convnet: p) } else {
                    probabilities[id] = nil
                    unreadable += 1
                }
            }
            progress?.advance(by: chunk.count)
        }
        progress?.finish()
        return unreadable
    }

    /// Joins the heads that read backbone maps (the backbone head, the
    /// reference head) to the filters' probabilities for every scored image,
    /// computing the maps not cached yet. Images without a map (their file
    /// cannot be read) lose their prediction; returns their count.
    private func combineBackbone(_ builtin: BuiltinModel, into probabilities: inout [Int64: [Double]]) throws -> Int {
        guard builtin.readsMaps, let loaded = try BackboneCache.ensure(store: store, context: context), loaded.id == builtin.backboneId else {
            throw LWError.invalidArgument("the model's backbone is no longer in the job: run `lw train` again")
        }
        let ids = probabilities.keys.sorted()
        try BackboneCache.ensureMaps(store: store, backbone: loaded, imageIds: ids, progress: progress)
        var scored: [Int64: [Double]] = [:]
        let base = probabilities
        try store.pool.read { db in
            try BackboneCache.forEachMap(db, backboneId: loaded.id, imageIds: ids) { id, map in
                if let p = base[id] { scored[id] = builtin.combined(p, map: map) }
            }
        }
        var missing = 0
        for id in ids {
            if let b = scored[id] { probabilities[id] = b } else {
                probabilities[id] = nil
                missing += 1
            }
        }
        return missing
    }
}

extension AutoLabel.Summary {
    /// Each label's machine labels for `--json`: threshold used, held back for recall, estimates and bounds.
    public var labelsJSON: [String: Any] {
        Dictionary(uniqueKeysWithValues: zip(labelNames, labels).map { name, r in
            (name, ["threshold": r.threshold as Any, "machine_labeled": r.machineLabeled, "held_back_for_recall": r.heldBack,
                    "precision": r.precision as Any, "precision_lower_bound": r.precisionLower as Any,
                    "recall": r.recall?.recall as Any, "recall_lower_bound": r.recall?.recallLower as Any,
                    "hidden": r.recall?.hidden as Any, "hidden_upper_bound": r.recall?.hiddenUpper as Any] as [String: Any])
        })
    }

    /// One line per label whose recall held machine labels of others back, or whose bound is below its target.
    public var recallLines: [String] {
        zip(labelNames, labels).compactMap { name, r in
            guard let recall = r.recall else { return nil }
            let estimate = String(format: "%.1f%% (≥ %.1f%%)", recall.recall * 100, recall.recallLower * 100)
            if r.heldBack > 0 {
                return "\(name): recall \(estimate) — \(r.heldBack) machine labels of other labels held back for humans, where \(name) may hide"
            }
            return nil
        }
    }
}
