/// The hot "next images for humans" queries: each walks a partial index in
/// order and stops after N rows (see EXPLAIN QUERY PLAN in the tests).
public enum Queue {
    public static let nextRandom = """
        SELECT id FROM image WHERE awaiting_label = 1
          AND NOT \(AssignmentRecord.isOpenSQL(image: "image.id"))
        ORDER BY random_rank LIMIT ?
        """
    public static let nextUncertain = """
        SELECT id FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL
          AND NOT \(AssignmentRecord.isOpenSQL(image: "image.id"))
        ORDER BY uncertainty_rank LIMIT ?
        """
}
