import GRDB

/// `lw status`: Ground Truth's counters and per-label counts, read from the views.
public struct JobStatus: Sendable, Equatable {
    public var jobName: String
    public var total: Int
    public var humanLabeled: Int
    public var machineLabeled: Int
    public var unlabeled: Int
    public var failed: Int
    public var labels: [(name: String, images: Int)]
    /// Machine-labeled images the team labeled too (random picks walk them: an
    /// audit of the machine's work), and how many of those the team agrees with.
    public var machineLabelsChecked: Int
    public var machineLabelsConfirmed: Int
    /// Each label's machine labels as the latest auto-label left them (view `machine_label_quality`).
    public var quality: [LabelQuality] = []

    public struct LabelQuality: Sendable {
        public var label: String
        public var machineLabeled: Int
        public var heldBack: Int
        public var precision: Double?, precisionLowerBound: Double?
        public var recall: Double?, recallLowerBound: Double?, targetRecall: Double
        public var hidden: Double?, hiddenUpperBound: Double?

        var jsonObject: [String: Any] {
            ["machine_labeled": machineLabeled, "held_back_for_recall": heldBack, "precision": precision as Any,
             "precision_lower_bound": precisionLowerBound as Any, "recall": recall as Any, "recall_lower_bound": recallLowerBound as Any,
             "target_recall": targetRecall, "hidden": hidden as Any, "hidden_upper_bound": hiddenUpperBound as Any]
        }
    }

    public static func read(_ store: Store) throws -> JobStatus {
        try store.pool.read { db in
            let job = try JobRecord.fetchOne(db)!
            let row = try Row.fetchOne(db, sql: "SELECT * FROM job_progress")!
            let labels = try Row.fetchAll(db, sql: "SELECT label, images FROM label_count").map {
                (name: $0["label"] as String, images: $0["images"] as Int)
            }
            let checked = try Row.fetchOne(db, sql: "SELECT total(checked) AS checked, total(team_agrees) AS confirmed FROM machine_label_check")!
            var status = JobStatus(jobName: job.name, total: row["total"], humanLabeled: row["human_labeled"],
                                   machineLabeled: row["machine_labeled"], unlabeled: row["unlabeled"],
                                   failed: row["failed"], labels: labels, machineLabelsChecked: Int(checked["checked"] as Double),
                                   machineLabelsConfirmed: Int(checked["confirmed"] as Double))
            status.quality = try Row.fetchAll(db, sql: "SELECT * FROM machine_label_quality").map {
                LabelQuality(label: $0["label"], machineLabeled: $0["machine_labeled"], heldBack: $0["held_back"], precision: $0["precision"],
                             precisionLowerBound: $0["precision_lower_bound"], recall: $0["recall"], recallLowerBound: $0["recall_lower_bound"],
                             targetRecall: $0["target_recall"], hidden: $0["hidden"], hiddenUpperBound: $0["hidden_upper_bound"])
            }
            return status
        }
    }

    /// The `--json` form; these keys are a contract with scripts.
    public var jsonObject: [String: Any] {
        [
            "job": jobName, "total": total, "human_labeled": humanLabeled, "machine_labeled": machineLabeled,
            "unlabeled": unlabeled, "failed": failed,
            "machine_labels_checked": machineLabelsChecked, "machine_labels_confirmed": machineLabelsConfirmed,
            "labels": Dictionary(uniqueKeysWithValues: labels.map { ($0.name, $0.images) }),
            "machine_label_quality": Dictionary(uniqueKeysWithValues: quality.map { ($0.label, $0.jsonObject) }),
        ]
    }

    public static func == (a: JobStatus, b: JobStatus) -> Bool {
        JSON.text(a.jsonObject) == JSON.text(b.jsonObject)
    }
}
