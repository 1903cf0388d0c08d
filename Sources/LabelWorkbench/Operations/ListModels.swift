import GRDB

/// `lw models list`, from the model_summary view.
public enum ListModels {
    public struct Item: Sendable {
        public var id: Int64, kind: String, algorithm: String, trainingSize: Int, validationSize: Int
        public var accuracy: Double?, auc: Double?, threshold: Double?, machineLabels: Int, createdAt: String
    }

    public static func fetch(_ store: Store) throws -> [Item] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model_summary ORDER BY model_id").map {
                Item(id: $0["model_id"], kind: $0["kind"], algorithm: $0["algorithm"], trainingSize: $0["training_size"], validationSize: $0["validation_size"],
                     accuracy: $0["validation_accuracy"], auc: $0["auc"], threshold: $0["threshold"], machineLabels: $0["machine_labels"],
                     createdAt: $0["created_at"])
            }
        }
    }
}
