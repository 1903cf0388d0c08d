import Crypto
import Foundation
import GRDB

/// `lw export --format folder`: OUT/{train,val,test}/{label}/file, as hard
/// links (default) or copies. Splits are stratified per label and stored
/// (`export_split`) so an image keeps its split across exports. Nothing is
/// written outside OUT whatever the sources are called; name clashes get the
/// image id; a rerun on the same state changes nothing; files of images that
/// left a folder (label changed, no longer exported) are removed from it.
///
/// The export is recorded (`export.start`) before the first file is placed,
/// so a killed export's folder is lw's: the rerun finishes it and removes
/// what does not belong (an image is never left in two splits). Each file
/// is placed by an atomic rename, so two exports to one folder cannot
/// collide on a half-written file.
public enum ExportFolder {
    public static let splits = ["train", "val", "test"]

    public struct Summary: Sendable {
        public var images = 0
        public var written = 0
        public var unchanged = 0
        public var removed = 0
        public var perSplit: [String: Int] = [:]
    }

    public struct Request: Sendable {
        public var out: String
        public var shares: [Double]
        public var seed: UInt64
        public var reshuffle = false
        public var copy = false
        public var force = false
        public var options = ExportLabels.Options()

        public init(out: String, shares: [Double], seed: UInt64) {
            self.out = out
            self.shares = shares
            self.seed = seed
        }
    }

    public static func run(store: Store, request: Request, context: RunContext) throws -> Summary {
        var context = context
        let root = URL(fileURLWithPath: request.out).standardizedFileURL
        try checkOut(root, store: store, force: request.force)
        var rows: [ExportLabels.Entry] = []
        try ExportLabels.rows(store, options: request.options) { rows.append($0) }
        let splitOf: [Int64: String] = try store.pool.write { db in
            try RunLog.markInterruptedRuns(db)
            try context.begin(db)
            try context.audit(db, action: .exportStart, entity: "run", entityId: context.runId, after: ["format": "folder", "out": root.path])
            return try assignSplits(rows, request: request, db: db, context: context)
        }
        do {
            var (summary, wanted) = try place(rows, splitOf: splitOf, root: root, copy: request.copy, store: store)
            summary.removed = try removeStale(root, wanted: wanted)
            try store.pool.write { db in
                try context.audit(db, action: .exportWrite, entity: "run", entityId: context.runId, after: [
                    "format": "folder", "out": root.path, "images": summary.images, "written": summary.written,
                    "removed": summary.removed, "per_split": summary.perSplit,
                ])
                try context.finish(db, status: .succeeded, counts: ["images": summary.images, "written": summary.written,
                                                                     "unchanged": summary.unchanged, "removed": summary.removed])
            }
            return summary
        } catch {
            try? context.end(in: store, status: .failed, counts: ["error": "\(error)"])
            throw LWError.unreadableInput(path: request.out, reason: "the folder export stopped (\(Text.abbreviated("\(error)"))); rerun it to finish")
        }
    }

    /// Stale files are pruned from OUT/split/label, so OUT must be new, empty,
    /// or a folder this database exported to (or began to) — or `force`.
    static func checkOut(_ root: URL, store: Store, force: Bool) throws {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard !existing.isEmpty && !force else { return }
        let ours = try store.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT 1 FROM audit_event WHERE action IN ('export.start', 'export.write')
                  AND json_extract(after, '$.format') = 'folder' AND json_extract(after, '$.out') = ? LIMIT 1
                """, arguments: [root.path]) != nil
        }
        if !ours {
            throw LWError.invalidArgument("\(root.path) is not empty and lw never exported there: choose a new --out, or pass --force to let lw manage it")
        }
    }

    /// Stable, stratified splits: keep stored ones; place new images label by label
    /// into the split furthest below its share, in a seeded random order.
    static func assignSplits(_ rows: [ExportLabels.Entry], request: Request, db: Database, context: RunContext) throws -> [Int64: String] {
        if request.reshuffle { try db.execute(sql: "DELETE FROM export_split") }
        var stored = try ExportSplitRecord.byImage(db)
        for label in Set(rows.map(\.label)).sorted() {
            let members = rows.filter { $0.label == label }
            var counts = [0, 0, 0]
            for m in members { if let s = stored[m.imageId], let i = splits.firstIndex(of: s) { counts[i] += 1 } }
            let fresh = members.filter { stored[$0.imageId] == nil }.sorted { key($0.sha256, request.seed) < key($1.sha256, request.seed) }
            var total = members.count - fresh.count
            for m in fresh {
                total += 1
                let deficits = (0..<3).map { request.shares[$0] * Double(total) - Double(counts[$0]) }
                let pick = deficits.indices.max { deficits[$0] < deficits[$1] }!
                counts[pick] += 1
                stored[m.imageId] = splits[pick]
                try ExportSplitRecord(imageId: m.imageId, split: splits[pick], seed: Int64(bitPattern: request.seed),
                                      assignedAt: context.clock.iso, runId: context.runId!).insert(db, onConflict: .replace)
            }
        }
        return stored
    }

    /// Links (or copies) each exported image to OUT/split/label/name.
    static func place(_ rows: [ExportLabels.Entry], splitOf: [Int64: String], root: URL, copy: Bool,
                      store: Store) throws -> (summary: Summary, wanted: Set<String>) {
        var summary = Summary()
        var wanted = Set<String>()
        let paths = try store.pool.read { try ImageRecord.pathsById($0) }
        for row in rows {
            guard let split = splitOf[row.imageId], let path = paths[row.imageId] else { continue }
            let folder = split + "/" + FolderLayout.safeName(row.label)
            var name = FolderLayout.safeName(row.source)
            if wanted.contains(folder + "/" + name) { name = FolderLayout.distinctName(name, imageId: row.imageId) }
            let relative = folder + "/" + name
            wanted.insert(relative)
            let target = root.appendingPathComponent(relative)
            guard target.standardizedFileURL.path.hasPrefix(root.path + "/") else { continue }  // belt and braces
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if try sameFile(path, target.path) {
                summary.unchanged += 1
            } else {
                try placeFile(path, at: target.path, copy: copy)
                summary.written += 1
            }
            summary.images += 1
            summary.perSplit[split, default: 0] += 1
        }
        return (summary, wanted)
    }

    /// A hard link (or a copy) made beside the target, then renamed over it:
    /// the target is always either the old file or the whole new one.
    static func placeFile(_ source: String, at target: String, copy: Bool) throws {
        let temporary = target + ".lw-\(getpid())-tmp"
        _ = unlink(temporary)
        if copy || link(source, temporary) != 0 {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = unlink(temporary)
            throw LWError.unreadableInput(path: target, reason: "cannot place the file (\(reason))")
        }
    }

    /// Files lw placed earlier that no longer belong (only inside OUT/split/label/),
    /// and temporary files of a killed export.
    static func removeStale(_ root: URL, wanted: Set<String>) throws -> Int {
        var removed = 0
        for split in splits {
            let splitURL = root.appendingPathComponent(split)
            guard let labels = try? FileManager.default.contentsOfDirectory(atPath: splitURL.path) else { continue }
            for label in labels {
                guard let files = try? FileManager.default.contentsOfDirectory(atPath: splitURL.appendingPathComponent(label).path) else { continue }
                for file in files where !wanted.contains("\(split)/\(label)/\(file)") && !isAnotherExportsTemporary(file) {
                    // Gone already is fine: another export to this folder removed it.
                    if unlink(splitURL.appendingPathComponent(label).appendingPathComponent(file).path) == 0 { removed += 1 }
                }
            }
        }
        return removed
    }

    /// `name.lw-PID-tmp` of an export still running in another process.
    static func isAnotherExportsTemporary(_ file: String) -> Bool {
        guard file.hasSuffix("-tmp"), let range = file.range(of: ".lw-", options: .backwards),
              let pid = Int32(file[range.upperBound...].dropLast(4)) else { return false }
        return pid != getpid() && kill(pid, 0) == 0
    }

    static func key(_ sha: String, _ seed: UInt64) -> UInt64 {
        var g = SeededGenerator(seed: seed ^ UInt64(sha.prefix(16), radix: 16)!)
        return g.next()
    }

    /// Same inode (a hard link already in place) or same size and bytes.
    static func sameFile(_ a: String, _ b: String) throws -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, lstat(b, &sb) == 0 else { return false }
        if sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev { return true }
        guard sa.st_size == sb.st_size, (sb.st_mode & S_IFMT) == S_IFREG else { return false }
        return FileManager.default.contentsEqual(atPath: a, andPath: b)
    }
}
