import Foundation
import GRDB

/// `lw references add` (and `lw init --reference`): stores pictures of what a
/// label looks like. Every file is checked before any is written; the same
/// content again is the reference already stored (idempotent).
public enum AddReferences {
    public struct Outcome: Sendable {
        /// The references stored by this call.
        public var added: [ReferenceRecord] = []
        /// Files whose content was already a reference: the file and that reference's id.
        public var alreadyStored: [(source: String, id: Int64)] = []
    }

    public static func run(_ paths: [String], label: String?, store: Store, context: RunContext) throws -> Outcome {
        let (labelRecord, maxPixels) = try store.pool.read { db in
            (try ReferenceLabel.resolve(label, db), try JobSettings.load(db).maxMegapixels * 1_000_000)
        }
        let files = try ReferenceFile.checkAll(paths, maxPixels: maxPixels)
        var context = context
        return try store.pool.write { db in
            let fresh = try newFiles(files, db)
            if !fresh.isEmpty { try context.begin(db) }
            let outcome = try insert(files, labelId: labelRecord.id!, db: db, context: context)
            if !fresh.isEmpty { try context.finish(db, status: .succeeded, counts: ["added": outcome.added.count, "already_stored": outcome.alreadyStored.count]) }
            return outcome
        }
    }

    /// The files whose content is not stored yet.
    static func newFiles(_ files: [ReferenceFile], _ db: Database) throws -> [ReferenceFile] {
        try files.filter { try storedId(sha256: $0.sha256, db) == nil }
    }

    /// Inserts the files not stored yet, each audited, in the caller's
    /// transaction and run (`lw init` stores its references in its own run).
    static func insert(_ files: [ReferenceFile], labelId: Int64, db: Database, context: RunContext) throws -> Outcome {
        var outcome = Outcome()
        for file in files {
            if let id = try storedId(sha256: file.sha256, db) {
                outcome.alreadyStored.append((file.source, id))
                continue
            }
            var record = ReferenceRecord(labelId: labelId, sha256: file.sha256, bytes: Data(file.bytes), format: file.probe.format.rawValue,
                                         width: file.probe.width, height: file.probe.height, source: file.source,
                                         addedBy: context.actor, addedAt: context.clock.iso, runId: context.runId!)
            try record.insert(db)
            try context.audit(db, action: .referenceAdd, entity: "reference", entityId: record.id, after: [
                "label_id": labelId, "sha256": file.sha256, "source": file.source, "format": record.format,
                "width": record.width, "height": record.height, "bytes": file.bytes.count,
            ])
            outcome.added.append(record)
        }
        return outcome
    }

    static func storedId(sha256: String, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM reference WHERE sha256 = ?", arguments: [sha256])
    }
}
