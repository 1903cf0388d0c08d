import Crypto
import Foundation
import GRDB

/// `lw export`: the labeled dataset, streamed in image-id order (the same
/// bytes for the same database state), written to a temporary file and renamed
/// into place (never a half-written file), recorded as a run with its counts
/// and content hash.
public struct ExportLabels {
    public enum Only: String, Sendable, CaseIterable { case all, human, machine }

    public struct Options: Sendable {
        public var only: Only = .all
        public var minConfidence: Double?
        public init() {}
    }

    public struct Row: Sendable {
        public var imageId: Int64
        public var source: String
        public var sha256: String
        public var label: String
        public var classIndex: Int
        public var confidence: Double
        public var origin: String
        public var modelId: Int64?
        public var votes: Int
        public var manifestFields: String?
        public var labeledAt: String
    }

    /// The job's name and its labels in class order.
    public static func job(_ store: Store) throws -> (name: String, labels: [String]) {
        try store.pool.read { db in
            (try JobSettings.load(db).name, try LabelRecord.names(db))
        }
    }

    public static let csvHeader = ["source", "sha256", "label", "confidence", "origin", "model_id", "votes", "image_id"]

    /// Calls `each` for every exported row, in image-id order, from one read transaction.
    public static func rows(_ store: Store, options: Options, each: (Row) throws -> Void) throws {
        try store.pool.read { db in
            var sql = """
                SELECT i.id, i.source, i.sha256, s.label, l.class_index, s.confidence, s.status, s.model_id,
                       coalesce(s.votes, 0) AS votes, i.manifest_fields,
                       coalesce(c.updated_at, m.created_at) AS labeled_at
                FROM image_status AS s
                JOIN image AS i ON i.id = s.image_id
                JOIN label AS l ON l.name = s.label
                LEFT JOIN consensus AS c ON c.image_id = i.id AND s.status = 'human_labeled'
                LEFT JOIN machine_label AS m ON m.image_id = i.id AND s.status = 'machine_labeled'
                WHERE s.status IN (?, ?)
                """
            var arguments: StatementArguments = options.only == .machine ? ["machine_labeled", "machine_labeled"]
                : options.only == .human ? ["human_labeled", "human_labeled"] : ["human_labeled", "machine_labeled"]
            if let min = options.minConfidence {
                sql += " AND s.confidence >= ?"
                arguments += [min]
            }
            sql += " ORDER BY i.id"
            let cursor = try GRDB.Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let r = try cursor.next() {
                try each(Row(imageId: r[0], source: r[1], sha256: r[2], label: r[3], classIndex: r[4], confidence: r[5],
                             origin: (r[6] as String) == "human_labeled" ? "human" : "machine", modelId: r[7], votes: r[8],
                             manifestFields: r[9], labeledAt: r[10]))
            }
        }
    }

    public static func csvLine(_ row: Row) -> String {
        CSVText.line([row.source, row.sha256, row.label, String(format: "%.6f", row.confidence), row.origin,
                      row.modelId.map(String.init) ?? "", String(row.votes), String(row.imageId)])
    }
}

/// Streams text to a file atomically: a temporary file beside the target,
/// fsynced and renamed into place only when complete; or to stdout.
public final class AtomicOutput {
    private let target: String?
    private let temporary: String?
    private let handle: FileHandle
    private var buffer = Data()
    private var hasher = SHA256()
    public private(set) var bytes = 0

    public init(path: String?, force: Bool) throws {
        target = path
        if let path {
            if FileManager.default.fileExists(atPath: path) && !force {
                throw LWError.invalidArgument("\(path) exists: pass --force to overwrite it, or choose another --out")
            }
            let dir = (path as NSString).deletingLastPathComponent
            let prefix = ".\((path as NSString).lastPathComponent).lw-tmp-"
            // Leftovers of killed exports (their process is gone) are removed.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? [] where name.hasPrefix(prefix) {
                if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0 {
                    unlink((dir.isEmpty ? "." : dir) + "/" + name)
                }
            }
            let tmp = (dir.isEmpty ? "." : dir) + "/" + prefix + "\(getpid())"
            guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
                throw LWError.unreadableInput(path: path, reason: "cannot write there; check the folder and its permissions")
            }
            temporary = tmp
            handle = h
        } else {
            temporary = nil
            handle = FileHandle.standardOutput
        }
    }

    public func write(_ text: String) throws {
        let data = Data(text.utf8)
        hasher.update(data: data)
        bytes += data.count
        buffer.append(data)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Completes the file; returns the SHA-256 of the content.
    public func commit() throws -> String {
        try flush()
        if let temporary, let target {
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, target) == 0 else {
                throw LWError.unreadableInput(path: target, reason: "cannot move the finished export into place (\(String(cString: strerror(errno))))")
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Removes the temporary file after a failure.
    public func abandon() {
        if let temporary { try? handle.close(); unlink(temporary) }
    }
}
