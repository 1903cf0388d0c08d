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

    public static func read(_ store: Store) throws -> JobStatus {
        try store.pool.read { db in
            let job = try JobRecord.fetchOne(db)!
            let row = try Row.fetchOne(db, sql: "SELECT * FROM job_progress")!
            let labels = try Row.fetchAll(db, sql: "SELECT label, images FROM label_count").map {
                (name: $0["label"] as String, images: $0["images"] as Int)
            }
            let checked = try Row.fetchOne(db, sql: "SELECT total(checked) AS checked, total(team_agrees) AS confirmed FROM machine_label_check")!
            return JobStatus(jobName: job.name, total: row["total"], humanLabeled: row["human_labeled"],
                             machineLabeled: row["machine_labeled"], unlabeled: row["unlabeled"],
                             failed: row["failed"], labels: labels, machineLabelsChecked: Int(checked["checked"] as Double),
                             machineLabelsConfirmed: Int(checked["confirmed"] as Double))
        }
    }

    /// The `--json` form; these keys are a contract with scripts.
    public var jsonObject: [String: Any] {
        [
            "job": jobName, "total": total, "human_labeled": humanLabeled, "machine_labeled": machineLabeled,
            "unlabeled": unlabeled, "failed": failed,
            "machine_labels_checked": machineLabelsChecked, "machine_labels_confirmed": machineLabelsConfirmed,
            "labels": Dictionary(uniqueKeysWithValues: labels.map { ($0.name, $0.images) }),
        ]
    }

    public static func == (a: JobStatus, b: JobStatus) -> Bool {
        JSON.text(a.jsonObject) == JSON.text(b.jsonObject)
    }
}
