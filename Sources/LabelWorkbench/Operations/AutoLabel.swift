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
        /// Wall-clock seconds of each part (`PartTimes`): features, backbone, networks, labels.
        public var seconds: [String: Double] = [:]
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
        guard let model = try store.pool.read({ db in
            try Row.fetchOne(db, sql: "SELECT id, kind, extractor_id, threshold, class_thresholds, weights FROM model ORDER BY id DESC LIMIT 1")
        }) else {
            throw LWError.invalidArgument("no model yet: run `lw train` first (or `lw predictions import FILE`)")
        }
        try context.start(in: store)
        return try context.endingFailed(in: store) { try label(with: model) }
    }

    /// Predicts, labels and ranks the candidates with `model` (the run is started).
    private func label(with model: Row) throws -> Summary {
        let context = self.context
        var summary = Summary(modelId: model["id"], threshold: model["threshold"])
        var times = PartTimes()
        let labels = try store.pool.read { db in
            try LabelRecord.inClassOrder(db).map { ($0.id!, $0.name) }
        }
        let candidates = try store.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM image WHERE id NOT IN (SELECT image_id FROM consensus) ORDER BY id")
        }
        let isBuiltin = ModelKind(rawValue: model["kind"]) == .builtin
        let probabilities = try self.probabilities(model, labels: labels, candidates: candidates, summary: &summary, times: &times)
        summary.predicted = probabilities.count
        let thresholdFor = Self.thresholds(model, labels: labels.map(\.1))
        let labelsStarted = Date()
        try store.pool.write { db in
            let busy = Set(try Int64.fetchAll(db, sql: "SELECT DISTINCT image_id FROM assignment WHERE status = 'open'"))
            let human = Set(try Int64.fetchAll(db, sql: "SELECT image_id FROM consensus"))
            var current: [Int64: (model: Int64, label: Int64, confidence: Double)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT image_id, model_id, label_id, confidence FROM machine_label") {
                current[row[0]] = (row[1], row[2], row[3])
            }
            var ranks: [Int64: Double?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, uncertainty_rank FROM image") { ranks[row[0]] = row[1] as Double? }
            for id in probabilities.keys.sorted() {
                guard !human.contains(id) else { continue }
                let p = probabilities[id]!
                let best = Probabilities.argmax(p)
                let confidence = (p[best] * 1e6).rounded() / 1e6
                let labelId = labels[best].0
                if isBuiltin {
                    let scores = JSON.text(Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1.1, (p[$0] * 1e6).rounded() / 1e6) }))
                    try db.execute(sql: "INSERT OR REPLACE INTO prediction (model_id, image_id, label_id, confidence, scores) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [summary.modelId, id, labelId, confidence, scores])
                }
                let threshold = thresholdFor[best]
                let decision = Self.decide(current: current[id], modelId: summary.modelId, labelId: labelId, confidence: confidence,
                                           threshold: threshold, busy: busy.contains(id))
                switch decision {
                case .add:
                    try db.execute(sql: """
                        INSERT INTO machine_label (image_id, model_id, label_id, confidence, threshold, created_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [id, summary.modelId, labelId, confidence, threshold, context.clock.iso, context.runId])
                    try context.audit(db, action: .machineLabelAdd, entity: "machine_label", entityId: id,
                                      after: ["model_id": summary.modelId, "label": labels[best].1, "confidence": confidence, "threshold": threshold as Any])
                    summary.added += 1
                case .update(let revised):
                    let old = current[id]!
                    try db.execute(sql: """
                        UPDATE machine_label SET model_id = ?, label_id = ?, confidence = ?, threshold = ?, created_at = ?, run_id = ?
                        WHERE image_id = ?
                        """, arguments: [summary.modelId, labelId, confidence, threshold, context.clock.iso, context.runId, id])
                    if revised { summary.revised += 1 }
                    try context.audit(db, action: .machineLabelRevise, entity: "machine_label", entityId: id,
                                      before: ["model_id": old.model, "label_id": old.label, "confidence": old.confidence],
                                      after: ["model_id": summary.modelId, "label_id": labelId, "confidence": confidence, "threshold": threshold as Any])
                case .withdraw:
                    let old = current[id]!
                    try db.execute(sql: "DELETE FROM machine_label WHERE image_id = ?", arguments: [id])
                    try context.audit(db, action: .machineLabelWithdraw, entity: "machine_label", entityId: id,
                                      before: ["model_id": old.model, "label_id": old.label, "confidence": old.confidence],
                                      after: ["model_id": summary.modelId, "confidence": confidence, "threshold": threshold as Any])
                    summary.withdrawn += 1
                case .keep, .leave:
                    break
                }
                // Machine-labeled images leave the humans' queue; the others are ranked by confidence.
                let rank: Double? = decision.isLabeled ? nil : confidence
                if ranks[id] ?? nil != rank {
                    try db.execute(sql: "UPDATE image SET uncertainty_rank = ? WHERE id = ?", arguments: [rank, id])
                }
            }
            summary.machineLabeled = try Int.fetchOne(db, sql: "SELECT count(*) FROM machine_label")!
            times.add("labels", since: labelsStarted)
            summary.seconds = times.rounded
            try context.finish(db, status: .succeeded, counts: [
                "seconds": summary.seconds,
                "model_id": summary.modelId, "predicted": summary.predicted, "added": summary.added, "revised": summary.revised,
                "withdrawn": summary.withdrawn, "machine_labeled": summary.machineLabeled,
            ])
        }
        return summary
    }

    /// Each candidate's probabilities: scored by the built-in model (features and
    /// maps computed where missing), or an external model's stored predictions.
    private func probabilities(_ model: Row, labels: [(Int64, String)], candidates: [Int64], summary: inout Summary,
                               times: inout PartTimes) throws -> [Int64: [Double]] {
        guard ModelKind(rawValue: model["kind"]) == .builtin else {
            return try store.pool.read { db in
                var probabilities: [Int64: [Double]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT image_id, scores FROM prediction WHERE model_id = ?", arguments: [summary.modelId]) {
                    let scores = (try? JSONSerialization.jsonObject(with: Data((row[1] as String).utf8)) as? [String: Double]) ?? [:]
                    probabilities[row[0]] = labels.map { scores[$0.1] ?? 0 }
                }
                return probabilities
            }
        }
        guard let extractorId: Int64 = model["extractor_id"], let weights: Data = model["weights"],
              let extractor = try store.pool.read({ db in try FeatureCache.current(db) }), extractor.id == extractorId else {
            throw LWError.invalidArgument("model \(summary.modelId) has no usable feature extractor: run `lw train` again")
        }
        let builtin = try JSONDecoder().decode(BuiltinModel.self, from: weights)
        let (probabilities, unreadable) = try score(builtin, extractor: extractor, candidates: candidates, times: &times)
        summary.unreadable = unreadable
        return probabilities
    }

    /// Each label's threshold: the model's per-label ones when it has them, else its single one.
    static func thresholds(_ model: Row, labels: [String]) -> [Double?] {
        guard let text: String = model["class_thresholds"],
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return labels.map { _ in model["threshold"] as Double? }
        }
        return labels.map { (object[$0] as? NSNumber)?.doubleValue }
    }

    /// What the latest model does with one image's machine label.
    enum Decision: Equatable {
        /// A new machine label.
        case add
        /// The label rewritten with this model's call (`revised`: another label).
        case update(revised: Bool)
        /// The same model's same call: nothing to write.
        case keep
        /// Back to humans.
        case withdraw
        /// No machine label, none given.
        case leave

        /// Whether the image ends machine-labeled.
        var isLabeled: Bool {
            switch self {
            case .add, .update, .keep: return true
            case .withdraw, .leave: return false
            }
        }
    }

    /// The model labels an image at or above its label's threshold, unless an
    /// assignment is open for it. An earlier model's label stands only while
    /// the latest model confirms it: one it contradicts, or agrees with below
    /// its threshold, goes back to humans (kept, such labels fell below the
    /// target in the benchmark's loops: bench/README.md). A model with no threshold for the
    /// label certifies nothing and withdraws only what it contradicts.
    static func decide(current: (model: Int64, label: Int64, confidence: Double)?, modelId: Int64, labelId: Int64,
                       confidence: Double, threshold: Double?, busy: Bool) -> Decision {
        let accept = threshold.map { confidence >= $0 } ?? false
        if accept && !busy {
            guard let old = current else { return .add }
            let changed = old.label != labelId || old.model != modelId || abs(old.confidence - confidence) >= 0.0005
            return changed ? .update(revised: old.label != labelId) : .keep
        }
        let unconfirmed = threshold != nil && !accept
        if let old = current, old.label != labelId || unconfirmed { return .withdraw }
        return .leave
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
        if builtin.backbone != nil {
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
        let paths = try store.pool.read { try FeatureCache.imagePaths($0) }
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

    /// Joins the backbone head's probabilities to the filters' for every
    /// scored image, computing the maps not cached yet. Images without a map
    /// (their file cannot be read) lose their prediction; returns their count.
    private func combineBackbone(_ builtin: BuiltinModel, into probabilities: inout [Int64: [Double]]) throws -> Int {
        guard let head = builtin.backbone, let loaded = try BackboneCache.ensure(store: store, context: context), loaded.id == builtin.backboneId else {
            throw LWError.invalidArgument("the model's backbone is no longer in the job: run `lw train` again")
        }
        let ids = probabilities.keys.sorted()
        try BackboneCache.ensureMaps(store: store, backbone: loaded, imageIds: ids, progress: progress)
        var scored: [Int64: [Double]] = [:]
        try store.pool.read { db in
            try BackboneCache.forEachMap(db, backboneId: loaded.id, imageIds: ids) { scored[$0] = head.probabilities($1) }
        }
        var missing = 0
        for id in ids {
            if let b = scored[id] { probabilities[id] = builtin.combined(filters: probabilities[id]!, backbone: b) } else {
                probabilities[id] = nil
                missing += 1
            }
        }
        return missing
    }
}
