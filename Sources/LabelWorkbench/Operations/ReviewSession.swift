import Foundation
import GRDB

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
        guard let row = try store.pool.read({ try WorkerRecord.named(worker, $0) }) else {
            throw try store.pool.read { try ManageWorkers.unknownWorker(worker, $0) }
        }
        guard row.active else {
            throw LWError.invalidArgument("worker '\(worker)' is disabled: `lw workers enable \(worker)` first")
        }
        workerId = row.id!
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

    /// The job's instructions and references, shown before the first image.
    public func guide() throws -> ReviewGuide {
        try store.pool.read { try ReviewGuide.load($0) }
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
