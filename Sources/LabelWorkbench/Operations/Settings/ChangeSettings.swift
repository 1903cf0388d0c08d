import GRDB

/// `lw settings set`: changes the job's settings after `lw init` — raise a
/// budget that was reached, ask more workers per image, demand a higher
/// accuracy of machine labels. One transaction, audited with the values before
/// and after; the same values again change nothing.
///
/// The job name, the labels (their order is every stored class index) and the
/// feature banks (every image's cached features were computed with them) are
/// fixed at `lw init`. Settings the model is trained with (target accuracy,
/// threshold confidence, model, network side, self-training, object copies) take effect at the
/// next `lw train`, which makes a new model: the stored ones keep the settings
/// they were made with.
public enum ChangeSettings {
    public static let fixedOptions: Set<String> = ["--job-name", "--labels", "--features"]

    /// Applies `change` to the stored settings; returns each changed setting as
    /// "--option old → new" (empty: nothing changed, nothing written).
    public static func run(store: Store, context: RunContext, change: (inout JobSettings) throws -> Void) throws -> [String] {
        var context = context
        return try store.pool.write { db in
            let stored = try JobSettings.load(db)
            var settings = stored
            try change(&settings)
            try settings.validate()
            let changed = zip(stored.options, settings.options).filter { $0.value != $1.value }
            if let fixed = changed.first(where: { fixedOptions.contains($0.0.option) }) {
                throw LWError.invalidArgument("\(fixed.0.option) is fixed when the job is created (\(fixed.0.value)): start a new database with `lw init`")
            }
            if changed.isEmpty { return [] }
            try context.begin(db)
            try settings.save(db)
            let option = { (pair: (option: String, value: String)) in String(pair.option.dropFirst(2)) }
            try context.audit(db, action: .jobSettings, entity: "job", entityId: 1,
                              before: Dictionary(uniqueKeysWithValues: changed.map { (option($0.0), $0.0.value) }),
                              after: Dictionary(uniqueKeysWithValues: changed.map { (option($0.1), $0.1.value) }))
            try context.finish(db, status: .succeeded, counts: ["changed": changed.count])
            return changed.map { old, new in "\(old.option) \(JobSettings.shown(old)) → \(JobSettings.shown(new))" }
        }
    }
}
