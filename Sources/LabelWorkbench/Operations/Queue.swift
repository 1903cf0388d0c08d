/// The hot "next images for humans" queries: each walks an index in order
/// and stops after N rows (see EXPLAIN QUERY PLAN in the tests).
public enum Queue {
    /// The job's one random order over every image without a human label
    /// (machine-labeled ones included): the validation sample is its prefix.
    public static let nextRandom = """
        SELECT id FROM image WHERE NOT EXISTS (SELECT 1 FROM consensus AS c WHERE c.image_id = image.id)
          AND NOT \(AssignmentRecord.isOpenSQL(image: "image.id"))
        ORDER BY random_rank LIMIT ?
        """
    public static let nextUncertain = """
        SELECT id FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL
          AND NOT \(AssignmentRecord.isOpenSQL(image: "image.id"))
        ORDER BY uncertainty_rank LIMIT ?
        """
    /// Images awaiting a label that no model has scored yet (imported since).
    public static let nextUnscored = """
        SELECT id FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NULL
          AND NOT \(AssignmentRecord.isOpenSQL(image: "image.id"))
        ORDER BY random_rank LIMIT ?
        """
    /// Images awaiting a label, the likeliest to show a label other than the
    /// absence label (`absenceLabelId`) first, as model `modelId` predicted them:
    /// a round-0 reference model's ranking.
    static func nextLikely(modelId: Int64, absenceLabelId: Int64) -> String {
        """
        SELECT i.id FROM prediction AS p JOIN image AS i ON i.id = p.image_id
        WHERE p.model_id = \(modelId) AND i.awaiting_label = 1 AND NOT \(AssignmentRecord.isOpenSQL(image: "i.id"))
        ORDER BY CASE WHEN p.label_id = \(absenceLabelId) THEN 1 - p.confidence ELSE p.confidence END DESC, i.random_rank LIMIT ?
        """
    }
    static let awaitingCount = """
        SELECT count(*) FROM image WHERE awaiting_label = 1 AND NOT \(AssignmentRecord.isOpenSQL(image: "image.id"))
        """
}
