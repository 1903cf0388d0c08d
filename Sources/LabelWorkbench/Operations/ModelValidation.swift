import GRDB

/// A model's validation items, stored with it (`model_validation`): the
/// evidence its threshold was searched on, for audits.
enum ModelValidation {
    struct Item {
        var imageId: Int64
        /// Class indices of the model's label and of the consensus label.
        var predicted: Int
        var human: Int
        var confidence: Double
        /// The consensus posterior of the predicted label.
        var labelRight: Double
    }

    /// Inserts the items of model `modelId`, in the caller's transaction.
    static func record(_ db: Database, modelId: Int64, items: [Item]) throws {
        let labelIds = try Int64.fetchAll(db, sql: "SELECT id FROM label ORDER BY class_index")
        let insert = try db.makeStatement(sql: """
            INSERT INTO model_validation (model_id, image_id, label_id, confidence, human_label_id, label_right)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        for item in items {
            // Clamped so a rounding error past 0 or 1 cannot fail the CHECK and with it
            // the model's whole transaction; values inside keep every bit (the
            // threshold is one of these confidences and must compare equal).
            try insert.execute(arguments: [modelId, item.imageId, labelIds[item.predicted], min(max(item.confidence, 0), 1),
                                           labelIds[item.human], min(max(item.labelRight, 0), 1)])
        }
    }
}
