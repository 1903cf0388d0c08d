import Foundation
import GRDB

/// A human-labeled image as a model learns from it and is validated on it.
struct HumanLabel {
    var imageId: Int64
    /// The consensus label's class index.
    var label: Int
    var confidence: Double
    /// The consensus posteriors, in class order.
    var posteriors: [Double]
    var randomRank: Double
    /// Whether it is in the validation sample (see `HumanLabels.inValidationSampleSQL`).
    var inValidationSample: Bool
}

/// The one reader of the human labels for training and validation, for the
/// built-in and for external models.
public enum HumanLabels {
    static let minimumLabels = 20
    static let minimumPerClass = 5

    /// Human-labeled images (consensus, no open assignment), in image order.
    static func load(_ db: Database, labels: [String]) throws -> [HumanLabel] {
        try Row.fetchAll(db, sql: sql).map { row in
            let posteriors = (try? JSONDecoder().decode([String: Double].self, from: Data((row["posteriors"] as String).utf8))) ?? [:]
            return HumanLabel(imageId: row["image_id"], label: row["class_index"], confidence: row["confidence"],
                              posteriors: labels.map { posteriors[$0] ?? 0 }, randomRank: row["random_rank"],
                              inValidationSample: row["in_validation_sample"])
        }
    }

    /// Refuses to train on fewer than `minimumLabels`, or `minimumPerClass` of any label.
    static func checkEnough(_ labeled: [HumanLabel], labels: [String]) throws {
        var perClass = [Int](repeating: 0, count: labels.count)
        for l in labeled { perClass[l.label] += 1 }
        if labeled.count < minimumLabels || perClass.contains(where: { $0 < minimumPerClass }) {
            let counts = zip(labels, perClass).map { "\($0) \($1)" }.joined(separator: ", ")
            throw LWError.invalidArgument("too few human labels to train (\(counts)): need \(minimumLabels) in all and \(minimumPerClass) of each label; run `lw assign` and `lw review` first")
        }
    }

    /// The validation sample is a prefix of one random order of the whole job
    /// (`random_rank`): every image up to the last one `lw assign` picked at
    /// random, whatever sent it to humans (random picks walk that order over all
    /// images without a human label, machine-labeled ones included), and every
    /// image labeled by imported votes (no assignment). So it stays a random
    /// sample of the job however many easy images the model has labeled.
    static func inValidationSampleSQL(image column: String, randomRank: String) -> String {
        """
        (NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = \(column))
         OR \(randomRank) <= coalesce(\(randomCursorSQL), -1))
        """
    }

    /// The `random_rank` of the last image picked at random (one scan, evaluated once per query).
    static let randomCursorSQL = """
        (SELECT max(ri.random_rank) FROM assignment AS ra JOIN image AS ri ON ri.id = ra.image_id WHERE ra.reason = 'random')
        """

    /// One row per human-labeled image; whether it has any assignment is one
    /// search of `assignment_by_image` (see the query-plan test).
    public static let sql = """
        SELECT c.image_id, l.class_index, c.confidence, c.posteriors, i.random_rank,
               \(inValidationSampleSQL(image: "c.image_id", randomRank: "i.random_rank")) AS in_validation_sample
        FROM consensus AS c JOIN label AS l ON l.id = c.label_id JOIN image AS i ON i.id = c.image_id
        WHERE NOT \(AssignmentRecord.isOpenSQL(image: "c.image_id"))
        ORDER BY c.image_id
        """
}
