import Crypto
import Foundation
import GRDB

/// `lw export --format folder`: OUT/{train,val,test}/{label}/file, as hard
/// links (default) or copies. Splits are stratified per label and stored
/// (`export_split`) so an image keeps its split across exports. Nothing is
/// written outside OUT whatever the sources are called; name clashes get the
/// image id; a rerun on the same state changes nothing; files of images that
/// left a folder (label changed, no longer exported) are removed from it.
public enum ExportFolder {
    public static let splits = ["train", "val", "test"]

    public struct Summary: Sendable {
        public var images = 0
        public var written = 0
        public var unchanged = 0
        public var removed = 0
        public var perSplit: [String: Int] = [:]
    }

    public static func run(store: Store, out: String, shares: [Double], seed: UInt64, reshuffle: Bool, copy: Bool, force: Bool,
                           options: ExportLabels.Options, context: RunContext) throws -> Summary {
        var context = context
        // Stale files are pruned from OUT/split/label, so OUT must be new, empty, or
        // a folder this database exported to before (the audit trail says) — or --force.
        let root = URL(fileURLWithPath: out).standardizedFileURL
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        if !existing.isEmpty && !force {
            let ours = try store.pool.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT 1 FROM audit_event WHERE action = 'export.write'
                      AND json_extract(after, '$.format') = 'folder' AND json_extract(after, '$.out') = ? LIMIT 1
                    """, arguments: [root.path]) != nil
            }
            if !ours {
                throw LWError.invalidArgument("\(out) is not empty and lw never exported there: choose a new --out, or pass --force to let lw manage it")
            }
        }
        var rows: [ExportLabels.Row] = []
        try ExportLabels.rows(store, options: options) { rows.append($0) }
        // Stable, stratified splits: keep stored ones; place new images label by label
        // into the split furthest below its share, in a seeded random order.
        let splitOf: [Int64: String] = try store.pool.write { db in
            try context.begin(db)
            if reshuffle { try db.execute(sql: "DELETE FROM export_split") }
            var stored: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT image_id, split FROM export_split") { stored[row[0]] = row[1] }
            for label in Set(rows.map(\.label)).sorted() {
                let members = rows.filter { $0.label == label }
                var counts = [0, 0, 0]
                for m in members { if let s = stored[m.imageId], let i = splits.firstIndex(of: s) { counts[i] += 1 } }
                let fresh = members.filter { stored[$0.imageId] == nil }.sorted { key($0.sha256, seed) < key($1.sha256, seed) }
                var total = members.count - fresh.count
                for m in fresh {
                    total += 1
                    let deficits = (0..<3).map { shares[$0] * Double(total) - Double(counts[$0]) }
                    let pick = deficits.indices.max { deficits[$0] < deficits[$1] }!
                    counts[pick] += 1
                    stored[m.imageId] = splits[pick]
                    try db.execute(sql: "INSERT OR REPLACE INTO export_split (image_id, split, seed, assigned_at, run_id) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [m.imageId, splits[pick], Int64(bitPattern: seed), context.clock.iso, context.runId])
                }
            }
            return stored
        }
        var summary = Summary()
        var wanted = Set<String>()
        var used = Set<String>()
        for row in rows {
            guard let split = splitOf[row.imageId] else { continue }
            let folder = split + "/" + FolderLayout.safeName(row.label)
            var name = FolderLayout.safeName(row.source)
            if used.contains(folder + "/" + name) { name = FolderLayout.distinctName(name, imageId: row.imageId) }
            let relative = folder + "/" + name
            used.insert(relative)
            wanted.insert(relative)
            let target = root.appendingPathComponent(relative)
            guard target.standardizedFileURL.path.hasPrefix(root.path + "/") else { continue }  // belt and braces
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            let path = try store.pool.read { try String.fetchOne($0, sql: "SELECT path FROM image WHERE id = ?", arguments: [row.imageId])! }
            if try sameFile(path, target.path) {
                summary.unchanged += 1
            } else {
                try? FileManager.default.removeItem(at: target)
                if copy || link(path, target.path) != 0 {
                    try FileManager.default.copyItem(atPath: path, toPath: target.path)
                }
                summary.written += 1
            }
            summary.images += 1
            summary.perSplit[split, default: 0] += 1
        }
        // Files lw placed earlier that no longer belong (only inside OUT/split/label/).
        for split in splits {
            let splitURL = root.appendingPathComponent(split)
            guard let labels = try? FileManager.default.contentsOfDirectory(atPath: splitURL.path) else { continue }
            for label in labels {
                guard let files = try? FileManager.default.contentsOfDirectory(atPath: splitURL.appendingPathComponent(label).path) else { continue }
                for file in files where !wanted.contains("\(split)/\(label)/\(file)") {
                    try FileManager.default.removeItem(at: splitURL.appendingPathComponent(label).appendingPathComponent(file))
                    summary.removed += 1
                }
            }
        }
        try store.pool.write { db in
            try context.audit(db, action: "export.write", entity: "run", entityId: context.runId, after: [
                "format": "folder", "out": root.path, "images": summary.images, "written": summary.written,
                "removed": summary.removed, "per_split": summary.perSplit,
            ])
            try context.finish(db, status: "succeeded", counts: ["images": summary.images, "written": summary.written,
                                                                 "unchanged": summary.unchanged, "removed": summary.removed])
        }
        return summary
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
