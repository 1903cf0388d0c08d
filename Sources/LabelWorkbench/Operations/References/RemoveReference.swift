import GRDB

/// `lw references remove ID`: deletes one reference, audited with what it was.
public enum RemoveReference {
    /// Returns the removed reference; an unknown id is a one-line error.
    public static func run(id: Int64, store: Store, context: RunContext) throws -> ReferenceRecord {
        var context = context
        return try store.pool.write { db in
            guard let record = try ReferenceRecord.fetchOne(db, key: id) else {
                throw LWError.invalidArgument("no reference \(id): see the stored ones with `lw references list`")
            }
            try context.begin(db)
            _ = try record.delete(db)
            try context.audit(db, action: .referenceRemove, entity: "reference", entityId: id, before: [
                "label_id": record.labelId, "sha256": record.sha256, "source": record.source, "format": record.format,
                "width": record.width, "height": record.height, "added_by": record.addedBy, "added_at": record.addedAt,
            ])
            try context.finish(db, status: .succeeded, counts: ["removed": 1])
            return record
        }
    }
}
