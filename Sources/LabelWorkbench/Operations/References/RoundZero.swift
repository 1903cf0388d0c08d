import GRDB

/// The first round of a job with references: before any model and with too
/// few human labels to train one, `lw assign` first trains the round-0
/// reference model and ranks every image with it — the same operations (and
/// runs, audited) as `lw train` and `lw auto-label` — so that its first round
/// already holds the likeliest images beside the random ones.
public enum RoundZero {
    /// Whether a job is there: references, no model, too few human labels.
    public static func isDue(_ store: Store) throws -> Bool {
        try store.pool.read { db in
            guard try ReferenceHead.exist(db), try ModelRecord.latest(db) == nil else { return false }
            let labels = try LabelRecord.names(db)
            return (try? HumanLabels.checkEnough(try HumanLabels.load(db, labels: labels), labels: labels)) == nil
        }
    }

    /// Trains the reference model and ranks every image with it; returns the model and how many images it ranked.
    public static func run(store: Store, train: RunContext, autoLabel: RunContext, progress: ProgressReporter?) throws -> (modelId: Int64, ranked: Int) {
        var training = TrainModel(store: store, context: train, progress: progress)
        let model = try training.run()
        var labeling = AutoLabel(store: store, context: autoLabel, progress: progress)
        let ranked = try labeling.run()
        return (model.modelId, ranked.predicted)
    }
}
