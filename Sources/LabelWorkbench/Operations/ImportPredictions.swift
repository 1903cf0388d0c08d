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
        guard let data = FileManager.default.contents(atPath: file) else {
            throw LWError.unreadableInput(path: file, reason: "cannot read the file; check the path")
        }
        var context = context
        return try store.pool.write { db in
            let labels = try LabelRecord.inClassOrder(db).map { ($0.id!, $0.name) }
            let names = labels.map(\.1)
            let resolver = try SourceResolver(db)
            var bySha: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT sha256, id FROM image") { bySha[row[0]] = row[1] }
            var predictions: [Int64: [Double]] = [:]
            var errors: [String] = []
            var lineNumber = 0
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                func bad(_ reason: String) { errors.append("\(file):\(lineNumber): \(reason)") }
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                    bad("not a JSON object"); continue
                }
                var image: Int64?
                if let sha = object["sha256"] as? String {
                    image = bySha[sha.lowercased()]
                    if image == nil { bad("no imported image has sha256 \(sha)"); continue }
                } else if let ref = object["source-ref"] as? String {
                    switch resolver.resolve(ref) {
                    case .found(let id): image = id
                    case .missing: bad("no imported image has source-ref '\(ref)'"); continue
                    case .ambiguous(let n): bad("source-ref '\(ref)' matches \(n) images by file name; give the full path"); continue
                    }
                } else { bad("needs \"source-ref\" or \"sha256\""); continue }
                var p = [Double](repeating: 0, count: labels.count)
                if let scores = object["scores"] as? [String: Any] {
                    var ok = true
                    for (name, value) in scores {
                        guard let index = names.firstIndex(of: name) else { bad("unknown label '\(name)' in scores (labels: \(names.joined(separator: ", ")))"); ok = false; break }
                        guard let v = (value as? NSNumber)?.doubleValue, v >= 0, v.isFinite else { bad("score of '\(name)' is not a number ≥ 0"); ok = false; break }
                        p[index] = v
                    }
                    if !ok { continue }
                    let sum = p.reduce(0, +)
                    guard sum > 0 else { bad("scores are all 0"); continue }
                    p = p.map { $0 / sum }
                } else if let label = object["label"] as? String {
                    guard let index = names.firstIndex(of: label) else { bad("unknown label '\(label)' (labels: \(names.joined(separator: ", ")))"); continue }
                    guard let confidence = (object["confidence"] as? NSNumber)?.doubleValue, confidence >= 0, confidence <= 1 else {
                        bad("\"confidence\" must be a number from 0 to 1"); continue
                    }
                    for k in 0..<p.count { p[k] = k == index ? confidence : (1 - confidence) / Double(p.count - 1) }
                } else { bad("needs \"label\" with \"confidence\", or \"scores\""); continue }
                if predictions[image!] != nil { bad("a second prediction for the same image"); continue }
                predictions[image!] = p
            }
            if !errors.isEmpty {
                let shown = errors.prefix(10).joined(separator: "\n")
                throw LWError.invalidArgument(shown + (errors.count > 10 ? "\n… and \(errors.count - 10) more bad lines" : "") + "\nnothing was imported; fix the lines and run again")
            }
            if predictions.isEmpty { throw LWError.badInputLine(file: file, line: 1, reason: "no predictions in the file") }

            let job = try JobSettings.load(db)
            let target = job.targetAccuracy, confidence = job.thresholdConfidence
            let z = ThresholdSearch.zScore(confidence: confidence)
            var hasher = SHA256()
            hasher.update(data: data)
            hasher.update(data: Data("\(target)\(TrainModel.confidenceKey(confidence))".utf8))
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE kind = 'external' AND labeled_set = ?", arguments: [digest]) {
                return Summary(modelId: id, reused: true, predictions: predictions.count, validationSize: 0, threshold: nil, refusal: nil)
            }
            // Validation: random-picked human labels the file also predicts.
            let humans = try TrainModel.humanLabels(db, labels: names)
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
            try db.execute(sql: """
                INSERT INTO model (kind, algorithm, parameters, training_size, validation_size, metrics, threshold, target_accuracy,
                                   labeled_set, created_at, run_id)
                VALUES ('external', 'external', ?, 0, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [JSON.text(["file": file, "bound": TrainModel.boundDescription(confidence: confidence, z: z)]), items.count, JSON.text(metrics), search.threshold, target, digest,
                                 context.clock.iso, context.runId])
            let modelId = db.lastInsertedRowID
            try ModelValidation.record(db, modelId: modelId, items: validation.evidence)
            for (image, p) in predictions.sorted(by: { $0.key < $1.key }) {
                let best = DawidSkene.decide(p).label
                let scores = JSON.text(Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, (p[$0] * 1e6).rounded() / 1e6) }))
                try db.execute(sql: "INSERT INTO prediction (model_id, image_id, label_id, confidence, scores) VALUES (?, ?, ?, ?, ?)",
                               arguments: [modelId, image, labels[best].0, (p[best] * 1e6).rounded() / 1e6, scores])
            }
            try context.audit(db, action: .modelImport, entity: "model", entityId: modelId, after: [
                "file": file, "predictions": predictions.count, "validation_size": items.count, "threshold": search.threshold as Any,
            ])
            try context.finish(db, status: .succeeded, counts: ["model_id": modelId, "predictions": predictions.count])
            return Summary(modelId: modelId, reused: false, predictions: predictions.count, validationSize: items.count,
                           threshold: search.threshold, refusal: refusal)
        }
    }
}
