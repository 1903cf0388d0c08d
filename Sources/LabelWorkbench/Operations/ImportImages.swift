import Foundation
import GRDB

/// What one `lw import` did.
public struct ImportSummary: Sendable, Equatable {
    public var files = 0
    public var imported = 0
    /// Files whose content was already stored under the same source.
    public var alreadyImported = 0
    /// Files whose content was already stored under another source.
    public var duplicates = 0
    public var failed = 0
    public var failures: [(source: String, reason: String)] = []
    public var runId: Int64?

    public var counts: [String: Any] {
        ["files": files, "imported": imported, "already_imported": alreadyImported, "duplicates": duplicates, "failed": failed]
    }

    public static func == (a: ImportSummary, b: ImportSummary) -> Bool {
        JSON.text(a.counts) == JSON.text(b.counts)
    }
}

/// `lw import`: hashes and validates files on every core, then writes them in
/// batches, each batch one transaction with its audit rows. Idempotent (the
/// content hash is the key) and resumable (a rerun skips what committed).
public struct ImportImages {
    public var store: Store
    public var context: RunContext
    public var progress: ProgressReporter?
    public var batchSize = 256

    public init(store: Store, context: RunContext, progress: ProgressReporter? = nil) {
        self.store = store
        self.context = context
        self.progress = progress
    }

    public mutating func run(_ candidates: [ImportCandidate]) throws -> ImportSummary {
        try context.start(in: store)
        var summary = ImportSummary(runId: context.runId)
        summary.files = candidates.count
        var known = try store.pool.read { db in Set(try String.fetchAll(db, sql: "SELECT sha256 FROM image")) }
        let maxPixels = try store.pool.read { try JobSettings.load($0).maxMegapixels } * 1_000_000
        progress?.start("import", total: candidates.count)
        do {
            let snapshot = known
            try pipelined(candidates, batchSize: batchSize, transform: { Self.examine($0, known: snapshot, maxPixels: maxPixels) }) { batch, examined in
                try store.pool.write { db in
                    try write(batch: Array(batch), examined: examined, known: &known, summary: &summary, db: db)
                }
                progress?.advance(by: batch.count)
            }
        } catch {
            progress?.finish()
            try? context.end(in: store, status: .failed, counts: summary.counts)
            throw error
        }
        progress?.finish()
        try context.end(in: store, status: summary.failed == 0 ? .succeeded : .partial, counts: summary.counts)
        return summary
    }

    enum Examined: Sendable {
        case known(sha256: String)
        case image(sha256: String, bytes: Int, probe: ImageProbe)
        case failure(String)
    }

    /// Reads, hashes and (when new) validates one file. Runs on any thread.
    static func examine(_ candidate: ImportCandidate, known: Set<String>, maxPixels: Int) -> Examined {
        if let failure = candidate.failure { return .failure(failure) }
        if candidate.path.isEmpty {
            return .failure("cannot read source-ref '\(Text.abbreviated(candidate.source))': lw reads local paths and file:// URIs; download the objects and point source-ref at the local files")
        }
        let contents: [UInt8]
        do {
            contents = try FileReader.readAll(candidate.path)
        } catch let error as ImageDecodeError {
            return .failure(error.reason)
        } catch {
            return .failure("\(error)")
        }
        return contents.withUnsafeBytes { bytes in
            let sha = ContentHash.sha256Hex(bytes)
            if known.contains(sha) { return .known(sha256: sha) }
            do {
                return .image(sha256: sha, bytes: bytes.count, probe: try ImageProbe.probe(bytes, maxPixels: maxPixels))
            } catch let error as ImageDecodeError {
                return .failure(error.reason)
            } catch {
                return .failure("\(error)")
            }
        }
    }

    private func write(batch: [ImportCandidate], examined: [Examined], known: inout Set<String>,
                       summary: inout ImportSummary, db: Database) throws {
        let now = context.clock.iso
        for (candidate, outcome) in zip(batch, examined) {
            switch outcome {
            case .failure(let reason):
                summary.failed += 1
                summary.failures.append((candidate.source, reason))
                try recordFailure(source: candidate.source, reason: reason, at: now, db: db)
            case .known(let sha):
                try countKnown(sha: sha, candidate: candidate, summary: &summary, db: db)
            case .image(let sha, let bytes, let probe):
                // The same content twice in one batch, or stored by another lw import meanwhile.
                if try known.contains(sha) || Bool.fetchOne(db, sql: "SELECT 1 FROM image WHERE sha256 = ?", arguments: [sha]) ?? false {
                    known.insert(sha)
                    try countKnown(sha: sha, candidate: candidate, summary: &summary, db: db)
                    continue
                }
                var image = ImageRecord(sha256: sha, source: candidate.source, path: candidate.path, bytes: bytes,
                                        width: probe.width, height: probe.height, format: probe.format.rawValue,
                                        manifestFields: candidate.manifestFields, randomRank: Self.randomRank(sha256: sha),
                                        importedAt: now, runId: context.runId!, perceptualHash: Int64(bitPattern: probe.perceptualHash),
                                        colourSignature: Int64(bitPattern: probe.colourSignature))
                try image.insert(db)
                known.insert(sha)
                summary.imported += 1
                try context.audit(db, action: .imageImport, entity: "image", entityId: image.id, after: [
                    "sha256": sha, "source": candidate.source, "bytes": bytes, "width": probe.width,
                    "height": probe.height, "format": probe.format.rawValue,
                ])
                try clearFailure(source: candidate.source, db: db)
            }
        }
    }

    /// A stable, uniformly spread rank in [0, 1) from the content hash: the
    /// order of the random seed sample, independent of file names.
    static func randomRank(sha256: String) -> Double {
        Double(UInt64(sha256.prefix(13), radix: 16)!) / Double(UInt64(1) << 52)
    }

    private func countKnown(sha: String, candidate: ImportCandidate, summary: inout ImportSummary, db: Database) throws {
        let existing = try String.fetchOne(db, sql: "SELECT source FROM image WHERE sha256 = ?", arguments: [sha])
        if existing == candidate.source { summary.alreadyImported += 1 } else { summary.duplicates += 1 }
        try clearFailure(source: candidate.source, db: db)
    }

    private func recordFailure(source: String, reason: String, at now: String, db: Database) throws {
        if let existing = try ImportErrorRecord.filter(Column("source") == source).fetchOne(db) {
            guard existing.reason != reason else { return }  // already recorded: a rerun changes nothing
            try db.execute(sql: "UPDATE import_error SET reason = ?, recorded_at = ?, run_id = ? WHERE id = ?",
                           arguments: [reason, now, context.runId, existing.id])
            try context.audit(db, action: .importErrorUpdate, entity: "import_error", entityId: existing.id,
                              before: ["source": source, "reason": existing.reason], after: ["source": source, "reason": reason])
        } else {
            var record = ImportErrorRecord(source: source, reason: reason, recordedAt: now, runId: context.runId!)
            try record.insert(db)
            try context.audit(db, action: .importErrorRecord, entity: "import_error", entityId: record.id,
                              after: ["source": source, "reason": reason])
        }
    }

    private func clearFailure(source: String, db: Database) throws {
        guard let existing = try ImportErrorRecord.filter(Column("source") == source).fetchOne(db) else { return }
        try existing.delete(db)
        try context.audit(db, action: .importErrorResolve, entity: "import_error", entityId: existing.id,
                          before: ["source": source, "reason": existing.reason])
    }
}
