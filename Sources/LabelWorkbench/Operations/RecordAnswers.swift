import Foundation
import GRDB

/// Answers to assignments: from a file (`lw review --answers`), or one at a
/// time from the interactive review and the browser. Each answer inserts a
/// vote, closes its assignment and writes their audit rows in one transaction.
public enum RecordAnswers {
    /// One answer (a row of an answers file, or one from a review).

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
    public static func apply(_ rows: [AnswerRow], file: String, skipInvalid: Bool, store: Store, context: RunContext) throws -> Summary {
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

    static func validate(_ rows: [AnswerRow], db: Database, now: String) throws -> (valid: [Planned], invalid: [Invalid], noOps: Int) {
        let labels = try LabelRecord.idsByName(db)
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
            let assignmentId: Int64
            switch try assignment(of: row, labelId: labelId, labels: labels, db: db) {
            case .found(let id): assignmentId = id
            case .alreadyRecorded: noOps += 1; continue
            case .invalid(let reason): bad(reason); continue
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
            guard let assignment = try AssignmentRecord.fetchOne(db, key: assignmentId) else {
                bad("unknown assignment \(assignmentId)"); continue
            }
            switch assignment.status {
            case "open":
                if let expires = assignment.expiresAt, expires <= now {
                    bad("assignment \(assignmentId) expired at \(expires): run `lw assign` to reissue the image"); continue
                }
                // The worker's vote on the image came another way (`lw votes import`) while it was assigned.
                if let previous = try Int64.fetchOne(db, sql: "SELECT label_id FROM vote WHERE image_id = ? AND worker_id = ?",
                                                     arguments: [assignment.imageId, assignment.workerId]) {
                    bad("assignment \(assignmentId): this worker's vote on the image is already stored ('\(labels.first { $0.value == previous }?.key ?? "?")', imported with lw votes import); drop this row")
                    continue
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
                bad("assignment \(assignmentId) was \(assignment.status); it no longer takes answers")
            }
        }
        valid.removeAll { conflicting.contains($0.assignment) }
        return (valid, invalid.sorted { $0.line < $1.line }, noOps)
    }

    enum AssignmentLookup { case found(Int64), alreadyRecorded, invalid(String) }

    /// The assignment a row answers: by its id, or by worker and source (their
    /// open assignment; a vote they already cast with this label is a no-op).
    static func assignment(of row: AnswerRow, labelId: Int64, labels: [String: Int64], db: Database) throws -> AssignmentLookup {
        if let text = row.assignmentId {
            guard let id = Int64(text) else { return .invalid("assignment_id '\(text)' is not a number") }
            return .found(id)
        }
        let worker = row.worker ?? "", source = row.source ?? ""
        guard let workerId = try Int64.fetchOne(db, sql: "SELECT id FROM worker WHERE name = ?", arguments: [worker]) else {
            return .invalid("unknown worker '\(worker)'")
        }
        guard let imageId = try Int64.fetchOne(db, sql: "SELECT id FROM image WHERE source = ? ORDER BY id LIMIT 1", arguments: [source]) else {
            return .invalid("unknown source '\(source)' (not an imported image)")
        }
        if let open = try Int64.fetchOne(db, sql: "SELECT id FROM assignment WHERE image_id = ? AND worker_id = ? AND status = 'open'",
                                         arguments: [imageId, workerId]) {
            return .found(open)
        }
        if let previous = try Int64.fetchOne(db, sql: "SELECT label_id FROM vote WHERE image_id = ? AND worker_id = ?", arguments: [imageId, workerId]) {
            return previous == labelId ? .alreadyRecorded
                : .invalid("worker '\(worker)' already answered '\(labels.first { $0.value == previous }!.key)' for \(source)")
        }
        return .invalid("worker '\(worker)' has no open assignment for \(source): run `lw assign` first")
    }

    /// Inserts the vote and closes the assignment (caller's transaction).
    static func record(_ db: Database, assignment: Int64, labelId: Int64, seconds: Double?, context: RunContext) throws {
        let row = try AssignmentRecord.fetchOne(db, key: assignment)!
        var vote = VoteRecord(imageId: row.imageId, workerId: row.workerId, labelId: labelId, assignmentId: assignment,
                              seconds: seconds, createdAt: context.clock.iso, runId: context.runId!)
        try vote.insert(db)
        let label = try String.fetchOne(db, sql: "SELECT name FROM label WHERE id = ?", arguments: [labelId])!
        try context.audit(db, action: .voteCast, entity: "vote", entityId: vote.id, after: [
            "image_id": row.imageId, "worker_id": row.workerId, "label": label,
            "assignment_id": assignment, "seconds": seconds as Any,
        ])
        try Assignments.close(db, assignment, status: "answered", context: context)
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
