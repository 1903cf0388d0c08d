import GRDB

/// One worker's review actions without session state — what the browser pages
/// of `lw serve` call for each request (and `lw review` for each key). The
/// functions taking a `Database` run inside the caller's write transaction
/// (`perform` opens one); each answer is one vote plus its assignment's
/// closing, with their audit rows.
public enum WorkerDesk {
    public struct Item: Sendable, Equatable {
        public var assignmentId: Int64
        public var imageId: Int64
        public var source: String
        /// The local file; for lw's own use, never shown to a browser.
        public var path: String
    }

    public struct Progress: Sendable, Equatable {
        /// Assignments the worker answered or skipped.
        public var done: Int
        /// Assignments still waiting for the worker.
        public var open: Int
    }

    /// What a worker's page shows: the next two assignments, progress, whether undo has something to undo.
    public struct State: Sendable {
        public var items: [Item]
        public var progress: Progress
        public var canUndo: Bool
    }

    /// Runs one action of the worker and reads their new state, in one short
    /// write transaction (reading expires overdue assignments): a refused
    /// action rolls it all back.
    public static func perform<T: Sendable>(store: Store, workerId: Int64, context: RunContext,
                                            _ action: @escaping @Sendable (Database, RunContext) throws -> T) async throws -> (T, State) {
        try await store.pool.write { db in
            let result = try action(db, context)
            return (result, try state(db, workerId: workerId, context: context))
        }
    }

    /// The worker's state alone (after a refused action).
    public static func state(store: Store, workerId: Int64, context: RunContext) async throws -> State {
        try await store.pool.write { db in try state(db, workerId: workerId, context: context) }
    }

    static func state(_ db: Database, workerId: Int64, context: RunContext) throws -> State {
        let items = try next(db, workerId: workerId, count: 2, context: context)
        let progress = try progress(db, workerId: workerId)
        return State(items: items, progress: progress, canUndo: progress.done > 0)
    }

    /// The worker's next `count` open assignments (nil: all), oldest first; overdue ones are expired first.
    public static func next(_ db: Database, workerId: Int64, count: Int?, context: RunContext) throws -> [Item] {
        try Assignments.expireOverdue(db, context: context)
        return try Row.fetchAll(db, sql: nextSQL, arguments: [workerId, count ?? -1]).map {
            Item(assignmentId: $0["assignment_id"], imageId: $0["image_id"], source: $0["source"], path: $0["path"])
        }
    }

    /// The job's labels in class order (the buttons of the page).
    public static func labels(_ db: Database) throws -> [String] {
        try LabelRecord.names(db)
    }

    public static func progress(_ db: Database, workerId: Int64) throws -> Progress {
        let row = try Row.fetchOne(db, sql: progressSQL, arguments: [workerId])!
        return Progress(done: row["done"], open: row["open"])
    }

    /// Records `label` for an open assignment of this worker.
    public static func answer(_ db: Database, assignment: Int64, label: String, workerId: Int64, seconds: Double?, context: RunContext) throws {
        guard let labelId = try Int64.fetchOne(db, sql: "SELECT id FROM label WHERE name = ?", arguments: [label]) else {
            throw LWError.invalidArgument("unknown label '\(label)'")
        }
        try requireOpen(db, assignment, workerId: workerId, now: context.clock.iso)
        try RecordAnswers.record(db, assignment: assignment, labelId: labelId, seconds: seconds, context: context)
    }

    /// The worker passes on an open assignment of theirs.
    public static func skip(_ db: Database, assignment: Int64, workerId: Int64, context: RunContext) throws {
        try requireOpen(db, assignment, workerId: workerId, now: context.clock.iso)
        try Assignments.close(db, assignment, status: "skipped", context: context)
    }

    /// Takes back the worker's most recent answer or skip: the vote (if any) is
    /// deleted and the assignment is open again, both audited. Returns the
    /// assignment, or nil when there is nothing to undo.
    @discardableResult
    public static func undoLast(_ db: Database, workerId: Int64, context: RunContext) throws -> Int64? {
        guard let last = try Int64.fetchOne(db, sql: lastClosedSQL, arguments: [workerId]) else { return nil }
        try reopen(db, last, context: context)
        return last
    }

    /// Deletes the assignment's vote (if any) and opens it again.
    static func reopen(_ db: Database, _ assignment: Int64, context: RunContext) throws {
        guard let status = try String.fetchOne(db, sql: "SELECT status FROM assignment WHERE id = ?", arguments: [assignment]),
              status == "answered" || status == "skipped" else { return }
        if let vote = try Row.fetchOne(db, sql: "SELECT id, label_id FROM vote WHERE assignment_id = ?", arguments: [assignment]) {
            try db.execute(sql: "DELETE FROM vote WHERE id = ?", arguments: [vote["id"] as Int64])
            try context.audit(db, action: .voteUndo, entity: "vote", entityId: vote["id"],
                              before: ["assignment_id": assignment, "label_id": vote["label_id"] as Int64])
        }
        try db.execute(sql: "UPDATE assignment SET status = 'open', closed_at = NULL WHERE id = ?", arguments: [assignment])
        try context.audit(db, action: .assignmentReopen, entity: "assignment", entityId: assignment,
                          before: ["status": status], after: ["status": "open"])
    }

    // The queries every request of `lw serve` runs (a test checks their plans use indexes).
    static let nextSQL = """
        SELECT a.id AS assignment_id, a.image_id, i.source, i.path FROM assignment AS a JOIN image AS i ON i.id = a.image_id
        WHERE a.worker_id = ? AND a.status = 'open' ORDER BY a.id LIMIT ?
        """
    static let progressSQL = """
        SELECT coalesce(sum(status IN ('answered', 'skipped')), 0) AS done, coalesce(sum(status = 'open'), 0) AS open
        FROM assignment WHERE worker_id = ? AND status IN ('answered', 'skipped', 'open')
        """
    static let lastClosedSQL = """
        SELECT id FROM assignment WHERE worker_id = ? AND status IN ('answered', 'skipped')
        ORDER BY closed_at DESC, id DESC LIMIT 1
        """

    /// Throws the ReviewError that explains why `assignment` takes no answer from this worker.
    static func requireOpen(_ db: Database, _ assignment: Int64, workerId: Int64, now: String) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT worker_id, status, expires_at FROM assignment WHERE id = ?", arguments: [assignment]) else {
            throw ReviewError.notFound(assignment)
        }
        guard row["worker_id"] as Int64 == workerId else { throw ReviewError.notYours(assignment) }
        let status: String = row["status"]
        if status != "open" { throw ReviewError.closed(assignment, status) }
        if let expires: String = row["expires_at"], expires <= now { throw ReviewError.closed(assignment, "expired") }
    }
}
