import Foundation
import GRDB

/// Answers to assignments: from a file (`lw review --answers`), or one at a
/// time from the interactive review and the browser. Each answer inserts a
/// vote, closes its assignment and writes their audit rows in one transaction.
public enum RecordAnswers {
    /// One answer (a row of an answers file, or one from a review).
    public typealias Row = AnswerRow

    public struct Summary: Sendable, Equatable {
        public var recorded = 0
        public var alreadyRecorded = 0
        public var invalid: [Invalid] = []
        public var consensus = RefreshConsensus.Summary()
    }

    public struct Invalid: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    /// Applies a whole file: every row is checked first; unless `skipInvalid`,
    /// one bad row means nothing is written. Rows already recorded with the
    /// same label are no-ops, so rerunning a file changes nothing.
    public static func apply(_ rows: [Row], file: String, skipInvalid: Bool, store: Store, context: RunContext) throws -> Summary {
        var context = context
        return try store.pool.write { db in
            var summary = Summary()
            let plan = try validate(rows, db: db, now: context.clock.iso)
            summary.invalid = plan.invalid
            summary.alreadyRecorded = plan.noOps
            if !plan.invalid.isEmpty && !skipInvalid { return summary }
            if plan.valid.isEmpty { return summary }
            try context.begin(db)
            for answer in plan.valid {
                try record(db, assignment: answer.assignment, labelId: answer.labelId, seconds: answer.seconds, context: context)
            }
            summary.recorded = plan.valid.count
            summary.consensus = try RefreshConsensus.run(db, context: context)
            try context.finish(db, status: plan.invalid.isEmpty ? .succeeded : .partial, counts: [
                "recorded": summary.recorded, "already_recorded": summary.alreadyRecorded, "invalid": summary.invalid.count, "file": file,
            ])
            return summary
        }
    }

    struct Planned {
        var assignment: Int64
        var labelId: Int64
        var seconds: Double?
    }

    static func validate(_ rows: [Row], db: Database, now: String) throws -> (valid: [Planned], invalid: [Invalid], noOps: Int) {
        let labels = Dictionary(uniqueKeysWithValues: try GRDB.Row.fetchAll(db, sql: "SELECT id, name FROM label").map { ($0["name"] as String, $0["id"] as Int64) })
        let labelList = try LabelRecord.names(db).joined(separator: ", ")
        var valid: [Planned] = [], invalid: [Invalid] = []
        var noOps = 0
        // Each assignment's first row: the same answer again counts once; two
        // different answers reject both rows.
        var firstRow: [Int64: (line: Int, label: String)] = [:]
        var conflicting = Set<Int64>()
        for row in rows {
            func bad(_ reason: String) { invalid.append(Invalid(line: row.line, reason: reason)) }
            guard let labelId = labels[row.label] else {
                bad("unknown label '\(row.label)' (labels: \(labelList))"); continue
            }
            var assignmentId: Int64
            if let text = row.assignmentId {
                guard let id = Int64(text) else { bad("assignment_id '\(text)' is not a number"); continue }
                assignmentId = id
            } else {
                let worker = row.worker ?? "", source = row.source ?? ""
                guard let workerId = try Int64.fetchOne(db, sql: "SELECT id FROM worker WHERE name = ?", arguments: [worker]) else {
                    bad("unknown worker '\(worker)'"); continue
                }
                guard let imageId = try Int64.fetchOne(db, sql: "SELECT id FROM image WHERE source = ? ORDER BY id LIMIT 1", arguments: [source]) else {
                    bad("unknown source '\(source)' (not an imported image)"); continue
                }
                if let open = try Int64.fetchOne(db, sql: "SELECT id FROM assignment WHERE image_id = ? AND worker_id = ? AND status = 'open'", arguments: [imageId, workerId]) {
                    assignmentId = open
                } else if let previous = try Int64.fetchOne(db, sql: "SELECT label_id FROM vote WHERE image_id = ? AND worker_id = ?", arguments: [imageId, workerId]) {
                    if previous == labelId { noOps += 1 } else { bad("worker '\(worker)' already answered '\(labels.first { $0.value == previous }!.key)' for \(source)") }
                    continue
                } else {
                    bad("worker '\(worker)' has no open assignment for \(source): run `lw assign` first"); continue
                }
            }
            if let first = firstRow[assignmentId] {
                if first.label == row.label { noOps += 1; continue }
                bad("assignment \(assignmentId) is answered '\(first.label)' on line \(first.line) and '\(row.label)' here; keep one")
                if conflicting.insert(assignmentId).inserted {
                    invalid.append(Invalid(line: first.line, reason: "assignment \(assignmentId) is answered '\(first.label)' here and '\(row.label)' on line \(row.line); keep one"))
                }
                continue
            }
            firstRow[assignmentId] = (row.line, row.label)
            guard let assignment = try GRDB.Row.fetchOne(db, sql: "SELECT status, expires_at FROM assignment WHERE id = ?", arguments: [assignmentId]) else {
                bad("unknown assignment \(assignmentId)"); continue
            }
            let status: String = assignment["status"]
            switch status {
            case "open":
                if let expires: String = assignment["expires_at"], expires <= now {
                    bad("assignment \(assignmentId) expired at \(expires): run `lw assign` to reissue the image"); continue
                }
                valid.append(Planned(assignment: assignmentId, labelId: labelId, seconds: row.seconds))
            case "answered":
                let previous = try Int64.fetchOne(db, sql: "SELECT label_id FROM vote WHERE assignment_id = ?", arguments: [assignmentId])
                if previous == labelId { noOps += 1 } else {
                    bad("assignment \(assignmentId) was already answered '\(labels.first { $0.value == previous }?.key ?? "?")'")
                }
            case "expired":
                bad("assignment \(assignmentId) expired: run `lw assign` to reissue the image")
            default:
                bad("assignment \(assignmentId) was \(status); it no longer takes answers")
            }
        }
        valid.removeAll { conflicting.contains($0.assignment) }
        return (valid, invalid.sorted { $0.line < $1.line }, noOps)
    }

    /// Inserts the vote and closes the assignment (caller's transaction).
    static func record(_ db: Database, assignment: Int64, labelId: Int64, seconds: Double?, context: RunContext) throws {
        let row = try GRDB.Row.fetchOne(db, sql: "SELECT image_id, worker_id FROM assignment WHERE id = ?", arguments: [assignment])!
        var vote = VoteRecord(imageId: row["image_id"], workerId: row["worker_id"], labelId: labelId, assignmentId: assignment,
                              seconds: seconds, createdAt: context.clock.iso, runId: context.runId!)
        try vote.insert(db)
        let label = try String.fetchOne(db, sql: "SELECT name FROM label WHERE id = ?", arguments: [labelId])!
        try context.audit(db, action: .voteCast, entity: "vote", entityId: vote.id, after: [
            "image_id": row["image_id"] as Int64, "worker_id": row["worker_id"] as Int64, "label": label,
            "assignment_id": assignment, "seconds": seconds as Any,
        ])
        try Assignments.close(db, assignment, status: "answered", context: context)
    }
}

/// One worker's review session: answer, skip and undo one assignment at a
/// time, each its own short transaction, so a crash loses at most the image on screen.
public struct ReviewSession {
    public typealias Item = WorkerDesk.Item

    public enum Action: Sendable, Equatable { case answered(String), skipped }

    public let store: Store
    public private(set) var context: RunContext
    public let workerId: Int64
    public let workerName: String
    public private(set) var history: [(assignment: Int64, action: Action)] = []

    public init(store: Store, worker: String, context: RunContext) throws {
        self.store = store
        self.workerName = worker
        guard let row = try store.pool.read({ db in
            try GRDB.Row.fetchOne(db, sql: "SELECT id, active FROM worker WHERE name = ?", arguments: [worker])
        }) else {
            throw try store.pool.read { try ManageWorkers.unknownWorker(worker, $0) }
        }
        guard row["active"] as Int == 1 else {
            throw LWError.invalidArgument("worker '\(worker)' is disabled: `lw workers enable \(worker)` first")
        }
        workerId = row["id"]
        var context = context
        try context.start(in: store)
        self.context = context
    }

    /// The worker's open assignments, oldest first (expired ones are closed first).
    public func queue() throws -> [Item] {
        let context = self.context, workerId = self.workerId
        return try store.pool.write { db in try WorkerDesk.next(db, workerId: workerId, count: nil, context: context) }
    }

    public func labels() throws -> [String] {
        try store.pool.read { try WorkerDesk.labels($0) }
    }

    public mutating func answer(_ assignment: Int64, label: String, seconds: Double?) throws {
        let context = self.context
        let workerId = self.workerId
        try store.pool.write { db in
            try WorkerDesk.answer(db, assignment: assignment, label: label, workerId: workerId, seconds: seconds, context: context)
        }
        history.append((assignment, .answered(label)))
    }

    public mutating func skip(_ assignment: Int64) throws {
        let context = self.context
        let workerId = self.workerId
        try store.pool.write { db in
            try WorkerDesk.skip(db, assignment: assignment, workerId: workerId, context: context)
        }
        history.append((assignment, .skipped))
    }

    /// Takes back the last answer or skip of this session: the vote is deleted
    /// (audited) and the assignment is open again. Returns it, or nil.
    @discardableResult
    public mutating func undo() throws -> Int64? {
        guard let last = history.popLast() else { return nil }
        let context = self.context
        try store.pool.write { db in try WorkerDesk.reopen(db, last.assignment, context: context) }
        return last.assignment
    }

    /// Ends the session: consensus over the new votes, and the run row.
    public func finish() throws -> RefreshConsensus.Summary {
        let context = self.context
        let answered = history.filter { if case .answered = $0.action { return true } else { return false } }.count
        let skipped = history.count - answered
        return try store.pool.write { db in
            let summary = try RefreshConsensus.run(db, context: context)
            try context.finish(db, status: .succeeded, counts: ["answered": answered, "skipped": skipped])
            return summary
        }
    }
}

/// Why one answer was refused (the browser maps these to HTTP statuses).
public enum ReviewError: Error, Equatable, CustomStringConvertible {
    case notFound(Int64)
    case notYours(Int64)
    case closed(Int64, String)

    public var description: String {
        switch self {
        case .notFound(let id): return "assignment \(id) does not exist"
        case .notYours(let id): return "assignment \(id) belongs to another worker"
        case .closed(let id, let status): return "assignment \(id) is \(status) and takes no answer"
        }
    }
}
