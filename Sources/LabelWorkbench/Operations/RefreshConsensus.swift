import Foundation
import GRDB

/// Recomputes every image's human label from all votes (Dawid–Skene) and each
/// worker's estimated quality, inside the caller's transaction. Writes only
/// what changed — a new label, a different vote count, or a confidence that
/// moved by 0.0005 or more — each with an audit row, so rerunning it with no
/// new votes changes nothing.
public enum RefreshConsensus {
    public struct Summary: Sendable, Equatable {
        public var images = 0
        public var decided = 0
        public var revised = 0
        public var removed = 0
        public var ties = 0
        public var iterations = 0
    }

    static let confidenceStep = 0.0005

    /// `lw consensus`: the refresh as a run of its own, in one transaction.
    public static func run(store: Store, context: RunContext) throws -> Summary {
        var context = context
        return try store.pool.write { db in
            try context.begin(db)
            let summary = try run(db, context: context)
            try context.finish(db, status: .succeeded, counts: [
                "images": summary.images, "decided": summary.decided, "revised": summary.revised, "removed": summary.removed,
            ])
            return summary
        }
    }

    /// The refresh inside the caller's transaction (its run already begun).
    public static func run(_ db: Database, context: RunContext) throws -> Summary {
        let labels = try LabelRecord.inClassOrder(db).map { ($0.id!, $0.name) }
        let votes = try Votes(db)
        let result = DawidSkene.fit(votes.ballots, items: votes.images.count, workers: votes.workers.count, classes: labels.count,
                                    settled: votes.settled)
        var summary = Summary()
        summary.images = votes.images.count
        summary.iterations = result.iterations
        try writeConsensus(result, votes: votes, labels: labels, summary: &summary, db: db, context: context)
        try writeWorkerQuality(result, votes: votes, labels: labels, db: db, context: context)
        return summary
    }

    /// Every vote as a ballot, with dense indices for images and workers.
    struct Votes {
        var images: [Int64] = [], workers: [Int64] = []
        var ballots: [Ballot] = []
        /// Images whose expert votes all give one label, by image index: that label.
        var settled: [Int: Int] = [:]

        init(_ db: Database) throws {
            let experts = try WorkerRecord.expertIds(db)
            var expertLabels: [Int: Set<Int>] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT v.image_id, v.worker_id, l.class_index FROM vote AS v JOIN label AS l ON l.id = v.label_id ORDER BY v.image_id, v.worker_id
                """)
            var imageIndex: [Int64: Int] = [:], workerIndex: [Int64: Int] = [:]
            ballots.reserveCapacity(rows.count)
            for row in rows {
                let image: Int64 = row["image_id"], worker: Int64 = row["worker_id"]
                if imageIndex[image] == nil { imageIndex[image] = images.count; images.append(image) }
                if workerIndex[worker] == nil { workerIndex[worker] = workers.count; workers.append(worker) }
                ballots.append(Ballot(item: imageIndex[image]!, worker: workerIndex[worker]!, label: row["class_index"]))
                if experts.contains(worker) { expertLabels[imageIndex[image]!, default: []].insert(row["class_index"]) }
            }
            settled = expertLabels.compactMapValues { $0.count == 1 ? $0.first : nil }
        }

        var perImage: [Int] {
            var counts = [Int](repeating: 0, count: images.count)
            for b in ballots { counts[b.item] += 1 }
            return counts
        }
    }

    /// Inserts, revises or removes consensus rows where they changed, with audit rows.
    static func writeConsensus(_ result: ConsensusResult, votes: Votes, labels: [(Int64, String)], summary: inout Summary,
                               db: Database, context: RunContext) throws {
        var existing: [Int64: Row] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT image_id, label_id, confidence, votes, tie, settled_by_expert FROM consensus") {
            existing[row["image_id"]] = row
        }
        let now = context.clock.iso, votesPerImage = votes.perImage
        for (i, image) in votes.images.enumerated() {
            let labelId = labels[result.labels[i]].0
            let confidence = (result.posteriors[i][result.labels[i]] * 1e6).rounded() / 1e6
            let tie = result.ties[i] ? 1 : 0
            let settled = votes.settled[i] == nil ? 0 : 1
            if result.ties[i] { summary.ties += 1 }
            var after: [String: Any] = ["label": labels[result.labels[i]].1, "confidence": confidence, "votes": votesPerImage[i], "tie": tie]
            if settled == 1 { after["settled_by_expert"] = 1 }
            let posteriors = JSON.text(Dictionary(uniqueKeysWithValues: labels.enumerated().map {
                ($1.1, (result.posteriors[i][$0] * 1e6).rounded() / 1e6) }))
            if let old = existing.removeValue(forKey: image) {
                let unchanged = old["label_id"] as Int64 == labelId && old["votes"] as Int == votesPerImage[i]
                    && old["tie"] as Int == tie && old["settled_by_expert"] as Int == settled
                    && abs(old["confidence"] as Double - confidence) < confidenceStep
                if unchanged { continue }
                try db.execute(sql: """
                    UPDATE consensus SET label_id = ?, confidence = ?, votes = ?, tie = ?, settled_by_expert = ?, posteriors = ?, updated_at = ?,
                                         run_id = ?
                    WHERE image_id = ?
                    """, arguments: [labelId, confidence, votesPerImage[i], tie, settled, posteriors, now, context.runId, image])
                let before: [String: Any] = ["label": labels.first { $0.0 == old["label_id"] as Int64 }?.1 ?? "?",
                                             "confidence": old["confidence"] as Double, "votes": old["votes"] as Int, "tie": old["tie"] as Int]
                try context.audit(db, action: .consensusRevise, entity: "consensus", entityId: image, before: before, after: after)
                summary.revised += 1
            } else {
                try db.execute(sql: """
                    INSERT INTO consensus (image_id, label_id, confidence, votes, tie, settled_by_expert, method, posteriors, updated_at, run_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [image, labelId, confidence, votesPerImage[i], tie, settled, DawidSkene.method, posteriors, now,
                                     context.runId])
                try context.audit(db, action: .consensusDecide, entity: "consensus", entityId: image, after: after)
                summary.decided += 1
            }
        }
        for (image, old) in existing {  // images whose votes were all undone
            try db.execute(sql: "DELETE FROM consensus WHERE image_id = ?", arguments: [image])
            try context.audit(db, action: .consensusRemove, entity: "consensus", entityId: image,
                              before: ["confidence": old["confidence"] as Double, "votes": old["votes"] as Int])
            summary.removed += 1
        }
    }

    /// Worker quality: derived estimates, rewritten (without audit rows) only where they moved.
    static func writeWorkerQuality(_ result: ConsensusResult, votes: Votes, labels: [(Int64, String)], db: Database, context: RunContext) throws {
        var agreeing = [Int](repeating: 0, count: votes.workers.count), cast = agreeing
        for b in votes.ballots {
            cast[b.worker] += 1
            if result.labels[b.item] == b.label { agreeing[b.worker] += 1 }
        }
        var oldQuality: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT worker_id, votes, agreement, accuracy, confusion FROM worker_quality") {
            oldQuality[row["worker_id"]] = "\(row["votes"] as Int)|\(row["agreement"] as Double)|\(row["accuracy"] as Double)|\(row["confusion"] as String)"
        }
        for (w, worker) in votes.workers.enumerated() {
            let confusion = JSON.text(Dictionary(uniqueKeysWithValues: labels.enumerated().map { k, truth in
                (truth.1, Dictionary(uniqueKeysWithValues: labels.enumerated().map { l, voted in
                    (voted.1, (result.confusion[w][k][l] * 1e3).rounded() / 1e3) }))
            }))
            let agreement = (Double(agreeing[w]) / Double(cast[w]) * 1e4).rounded() / 1e4
            let accuracy = (result.accuracy(ofWorker: w) * 1e3).rounded() / 1e3
            if oldQuality.removeValue(forKey: worker) == "\(cast[w])|\(agreement)|\(accuracy)|\(confusion)" { continue }
            try db.execute(sql: """
                INSERT OR REPLACE INTO worker_quality (worker_id, votes, agreement, accuracy, confusion, updated_at, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [worker, cast[w], agreement, accuracy, confusion, context.clock.iso, context.runId])
        }
        for worker in oldQuality.keys {
            try db.execute(sql: "DELETE FROM worker_quality WHERE worker_id = ?", arguments: [worker])
        }
    }
}
