import Foundation
import GRDB

/// Who is acting and on which run: every write carries it into `audit_event`.
public struct RunContext: Sendable {
    public var actor: String
    public var command: String
    public var arguments: [String]
    public var clock: RunClock
    public private(set) var runId: Int64?

    public init(actor: String, command: String, arguments: [String], clock: RunClock = .system) {
        self.actor = actor
        self.command = command
        self.arguments = arguments
        self.clock = clock
    }

    /// Inserts the `run` row (status 'running') in `db`'s transaction.
    public mutating func begin(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO run (command, arguments, actor, pid, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')
            """, arguments: [command, JSON.text(arguments), actor, Int(getpid()), clock.iso])
        runId = db.lastInsertedRowID
    }

    public func finish(_ db: Database, status: RunStatus, counts: [String: Any]) throws {
        guard let runId else { return }
        try db.execute(sql: "UPDATE run SET finished_at = ?, status = ?, counts = ? WHERE id = ?",
                       arguments: [clock.iso, status.rawValue, JSON.text(counts), runId])
    }

    /// Appends one audit row. `before`/`after` are JSON-able dictionaries or nil.
    public func audit(_ db: Database, action: AuditAction, entity: String, entityId: Int64?,
                      before: [String: Any]? = nil, after: [String: Any]? = nil) throws {
        try db.execute(sql: """
            INSERT INTO audit_event (at, actor, run_id, action, entity, entity_id, before, after)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [clock.iso, actor, runId, action.rawValue, entity, entityId,
                             before.map { JSON.text($0) }, after.map { JSON.text($0) }])
    }

    /// Starts a run in its own short transaction, first marking runs whose
    /// process is gone (killed, crashed) as 'interrupted'.
    public mutating func start(in store: Store) throws {
        var context = self
        try store.pool.write { db in
            try RunLog.markInterruptedRuns(db)
            try context.begin(db)
        }
        self = context
    }

    /// Runs the work of this started run; if it throws, the run ends
    /// `failed` with the error (never left `running`), and the error goes on.
    public func endingFailed<T>(in store: Store, _ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch {
            try? end(in: store, status: .failed, counts: ["error": "\(error)"])
            throw error
        }
    }

    public func end(in store: Store, status: RunStatus, counts: [String: Any]) throws {
        try store.pool.write { db in try finish(db, status: status, counts: counts) }
    }
}

public enum RunLog {
    /// A 'running' run whose pid no longer exists on this machine was killed.
    static func markInterruptedRuns(_ db: Database) throws {
        let running = try Row.fetchAll(db, sql: "SELECT id, pid FROM run WHERE status = 'running'")
        for row in running {
            let pid: Int32 = row["pid"]
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try db.execute(sql: "UPDATE run SET status = 'interrupted' WHERE id = ?", arguments: [row["id"] as Int64])
            }
        }
    }
}
