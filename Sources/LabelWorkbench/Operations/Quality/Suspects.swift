import Foundation
import GRDB

/// Human labels likely wrong: scored by `lw train` for each built-in model
/// (`record`, in its transaction), listed by `lw suspects` and sent for a
/// second look by `lw assign --strategy suspects` (`current`).
public enum Suspects {
    public struct Entry: Sendable, Equatable {
        public var imageId: Int64
        public var source: String
        public var label: String
        public var suggestedLabel: String
        public var score: Double
        public var reasons: String
    }

    public static let csvHeader = ["image_id", "source", "label", "suggested_label", "score", "reasons"]

    /// Scores every human label the model was cross-fitted on (`humans`, with
    /// their out-of-fold probabilities `oof`), but those an expert settled.
    static func record(_ db: Database, modelId: Int64, humans: [HumanLabel], oof: [[Double]]) throws {
        let labelIds = try LabelRecord.inClassOrder(db).map { $0.id! }
        let facts = try consensusFacts(db)
        var items: [LabelEvidence] = [], scored: [(HumanLabel, ConsensusFacts)] = []
        for (human, probabilities) in zip(humans, oof) {
            guard let fact = facts[human.imageId], !fact.settled else { continue }
            items.append(LabelEvidence(given: human.label, posteriors: human.posteriors, tie: fact.tie, model: probabilities,
                                       voterAccuracy: fact.voterAccuracy))
            scored.append((human, fact))
        }
        for (index, suspicion) in SuspectRanking.rank(items, classes: labelIds.count) {
            let (human, fact) = scored[index]
            try SuspectRecord(modelId: modelId, imageId: human.imageId, labelId: labelIds[human.label],
                              suggestedLabelId: labelIds[suspicion.suggested], score: (suspicion.score * 1e6).rounded() / 1e6,
                              modelProbability: (items[index].model[human.label] * 1e6).rounded() / 1e6,
                              consensusConfidence: human.confidence, voterAccuracy: fact.voterAccuracy.map { ($0 * 1e4).rounded() / 1e4 },
                              votes: fact.votes, reasons: suspicion.reasons.map(\.rawValue).joined(separator: ";")).insert(db)
        }
    }

    struct ConsensusFacts {
        var tie: Bool
        var settled: Bool
        var votes: Int
        var voterAccuracy: Double?
    }

    /// Each human-labeled image's tie and expert flags, vote count, and the
    /// mean estimated accuracy of the workers who gave its label.
    static func consensusFacts(_ db: Database) throws -> [Int64: ConsensusFacts] {
        var out: [Int64: ConsensusFacts] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT c.image_id, c.tie, c.settled_by_expert, c.votes,
                   (SELECT avg(q.accuracy) FROM vote AS v JOIN worker_quality AS q ON q.worker_id = v.worker_id
                    WHERE v.image_id = c.image_id AND v.label_id = c.label_id) AS voter_accuracy
            FROM consensus AS c
            """) {
            out[row["image_id"]] = ConsensusFacts(tie: row["tie"], settled: row["settled_by_expert"], votes: row["votes"],
                                                  voterAccuracy: row["voter_accuracy"])
        }
        return out
    }

    /// The latest built-in model's suspects, most suspect first, leaving out
    /// images whose votes changed since it scored them (the next `lw train`
    /// rescores them), settled ones and those with an open assignment. Without
    /// `all`, only those with a reason.
    public static func current(_ db: Database, limit: Int?, all: Bool) throws -> [Entry] {
        try Row.fetchAll(db, sql: currentSQL(all: all), arguments: [limit ?? -1]).map { row in
            Entry(imageId: row["image_id"], source: row["source"], label: row["label"], suggestedLabel: row["suggested_label"],
                  score: row["score"], reasons: row["reasons"])
        }
    }

    /// Suspects of the latest built-in model that had a second look since (their votes changed).
    public static func reexamined(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM suspect AS s JOIN consensus AS c ON c.image_id = s.image_id
            WHERE s.model_id = (\(latestModelSQL)) AND (c.votes <> s.votes OR c.settled_by_expert = 1)
            """)!
    }

    /// Whether the latest built-in model scored any human label.
    public static func hasScores(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM suspect WHERE model_id = (\(latestModelSQL)))")!
    }

    /// The model whose suspects count: the latest built-in one.
    static let latestModelSQL = "SELECT max(id) FROM model WHERE kind = '\(ModelKind.builtin.rawValue)'"

    /// Images in a near-duplicate group (`lw duplicates`) whose labels disagree.
    static let conflictingDuplicatesSQL = """
        SELECT d.image_id FROM near_duplicate AS d WHERE d.group_id IN (
            SELECT n.group_id FROM near_duplicate AS n JOIN image_status AS t ON t.image_id = n.image_id
            WHERE t.label IS NOT NULL GROUP BY n.group_id HAVING count(DISTINCT t.label) > 1)
        """

    /// A near-duplicate of the image carries another label: the reason `near_duplicate` joins the stored ones.
    public static func currentSQL(all: Bool) -> String {
        """
        WITH conflicting(image_id) AS (\(conflictingDuplicatesSQL))
        SELECT s.image_id, i.source, l.name AS label, g.name AS suggested_label, s.score,
               CASE WHEN s.image_id NOT IN conflicting THEN s.reasons WHEN s.reasons = '' THEN 'near_duplicate'
                    ELSE s.reasons || ';near_duplicate' END AS reasons
        FROM suspect AS s
        JOIN consensus AS c ON c.image_id = s.image_id
        JOIN image AS i ON i.id = s.image_id
        JOIN label AS l ON l.id = s.label_id
        JOIN label AS g ON g.id = s.suggested_label_id
        WHERE s.model_id = (\(latestModelSQL)) AND c.label_id = s.label_id AND c.votes = s.votes AND c.settled_by_expert = 0
          AND NOT \(AssignmentRecord.isOpenSQL(image: "s.image_id"))\(all ? "" : " AND (s.reasons <> '' OR s.image_id IN conflicting)")
        ORDER BY s.score DESC, s.image_id
        LIMIT ?
        """
    }
}
