/// The hot "next images for humans" queries: each walks a partial index in
/// order and stops after N rows (see EXPLAIN QUERY PLAN in the tests).
public enum Queue {
    public static let nextRandom = """
        SELECT id FROM image WHERE awaiting_label = 1
          AND NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = image.id AND a.status = 'open')
        ORDER BY random_rank LIMIT ?
        """
    public static let nextUncertain = """
        SELECT id FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = image.id AND a.status = 'open')
        ORDER BY uncertainty_rank LIMIT ?
        """
}
