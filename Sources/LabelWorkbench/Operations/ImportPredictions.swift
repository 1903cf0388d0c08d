import Crypto
import Foundation
import GRDB

/// `lw predictions import FILE`: predictions from any external model (a
/// team's own network, a cloud API) as JSON Lines, stored as a model of kind
/// 'external'. Each line names an image by "source-ref" (as imported, or a
/// unique file name) or "sha256", and gives either "label" with "confidence",
/// or "scores" {label: probability}. Every line is checked first; one bad line
/// and nothing is written. The threshold is searched exactly as for the
/// built-in model, on the random-picked human labels the file also predicts.
public enum ImportPredictions {
    public struct Summary: Sendable {
        public var modelId: Int64
        public var reused: Bool
        public var predictions: Int
        public var validationSize: Int
        public var threshold: Double?
        public var refusal: String?
    }

    public static func run(file: String, store: Store, context: RunContext) throws -> Summary {
        let names = try store.pool.read { try LabelRecord.names($0) }
        let (lines, parseErrors, data) = try PredictionsFile.read(file, labels: names)
        var context = context
        return try store.pool.write { db in
            let labels = try LabelRecord.inClassOrder(db).map { ($0.id!, $0.name) }
            let predictions = try resolve(lines, file: file, earlier: parseErrors, db: db)
            let job = try JobSettings.load(db)
            let target = job.targetAccuracy, confidence = job.thresholdConfidence
            let z = ThresholdSearch.zScore(confidence: confidence)
            var hasher = SHA256()
            hasher.update(data: data)
            hasher.update(data: Data("\(target)\(TrainModel.confidenceKey(confidence))".utf8))
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE kind = ? AND labeled_set = ?",
                                         arguments: [ModelKind.external.rawValue, digest]) {
                return Summary(modelId: id, reused: true, predictions: predictions.count, validationSize: 0, threshold: nil, refusal: nil)
            }
            // Validation: random-picked human labels the file also predicts.
            let humans = try HumanLabels.load(db, labels: names)
            let validation = ModelValidation.sample(humans: humans, classes: names.count) { predictions[humans[$0].imageId] }
            let items = validation.items
            let search = ThresholdSearch.search(items, target: target, z: z)
            let refusal = search.threshold == nil
                ? (items.count < search.minimumItems ? "\(items.count) random-picked human labels are predicted; at least \(search.minimumItems) are needed to show \(target) with \(confidence) confidence"
                   : "no confidence level reaches \(target) on the human labels")
                : nil
            var metrics: [String: Double] = [
                "accuracy": items.isEmpty ? 0 : items.reduce(0) { $0 + $1.correct } / Double(items.count),
                "covered_share": items.isEmpty ? 0 : Double(search.covered) / Double(items.count),
                "covered_accuracy": search.accuracy, "covered_lower_bound": search.lowerBound,
            ]
            metrics["auc"] = ThresholdSearch.meanOneVsRestAUC(validation.humanIndex.map { predictions[humans[$0].imageId]! },
                                                              labels: validation.humanIndex.map { humans[$0].label }, classes: names.count)
            try context.begin(db)
            var model = ModelRecord(kind: ModelKind.external.rawValue, algorithm: "external",
                                    parameters: JSON.text(["file": file, "bound": TrainModel.boundDescription(confidence: confidence, z: z)]),
                                    trainingSize: 0, validationSize: items.count, metrics: JSON.text(metrics), threshold: search.threshold,
                                    targetAccuracy: target, labeledSet: digest, createdAt: context.clock.iso, runId: context.runId!)
            try model.insert(db)
            let modelId = model.id!
            try ModelValidation.record(db, modelId: modelId, items: validation.evidence)
            for (image, p) in predictions.sorted(by: { $0.key < $1.key }) {
                let best = Probabilities.argmax(p)
                let scores = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, (p[$0] * 1e6).rounded() / 1e6) })
                try PredictionRecord(modelId: modelId, imageId: image, labelId: labels[best].0, confidence: (p[best] * 1e6).rounded() / 1e6,
                                     scores: scores).insert(db)
            }
            try context.audit(db, action: .modelImport, entity: "model", entityId: modelId, after: [
                "file": file, "predictions": predictions.count, "validation_size": items.count, "threshold": search.threshold as Any,
            ])
            try context.finish(db, status: .succeeded, counts: ["model_id": modelId, "predictions": predictions.count])
            return Summary(modelId: modelId, reused: false, predictions: predictions.count, validationSize: items.count,
                           threshold: search.threshold, refusal: refusal)
        }
    }

    /// Each line's image: by hash, or by source (a unique file name will do).
    /// Unknown or ambiguous images and a second line for one image are listed
    /// in one error.
    static func resolve(_ lines: [PredictionsFile.Line], file: String, earlier: [(line: Int, reason: String)],
                        db: Database) throws -> [Int64: [Double]] {
        let resolver = try SourceResolver(db)
        let bySha = try ImageRecord.idsBySha256(db)
        var predictions: [Int64: [Double]] = [:], errors = earlier
        for line in lines {
            func bad(_ reason: String) { errors.append((line.number, reason)) }
            let image: Int64
            switch line.image {
            case .sha256(let sha):
                guard let id = bySha[sha] else { bad("no imported image has sha256 \(sha)"); continue }
                image = id
            case .source(let ref):
                switch resolver.resolve(ref) {
                case .found(let id): image = id
                case .missing: bad("no imported image has source-ref '\(Text.abbreviated(ref))'"); continue
                case .ambiguous(let n): bad("source-ref '\(Text.abbreviated(ref))' matches \(n) images by file name; give the full path"); continue
                }
            }
            if predictions[image] != nil { bad("a second prediction for the same image"); continue }
            predictions[image] = line.probabilities
        }
        try PredictionsFile.throwIfAny(errors, path: file)
        return predictions
    }
}
