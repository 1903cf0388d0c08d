import Foundation
import GRDB

/// Shared assignment state changes, each with its audit row.
enum Assignments {
    /// Moves an open assignment to a closed status ('released', 'expired', 'skipped', 'answered').
    static func close(_ db: Database, _ id: Int64, status: String, context: RunContext, why: String? = nil) throws {
        try db.execute(sql: "UPDATE assignment SET status = ?, closed_at = ? WHERE id = ? AND status = 'open'",
                       arguments: [status, context.clock.iso, id, ])
        guard db.changesCount == 1 else { return }
        var after: [String: Any] = ["status": status]
        if let why { after["why"] = why }
        try context.audit(db, action: .closing(status),
                          entity: "assignment", entityId: id, before: ["status": "open"], after: after)
    }

    /// Expires open assignments whose time limit has passed (Ground Truth's task
    /// time limit): they go back to the queue. Returns how many.
    @discardableResult
    static func expireOverdue(_ db: Database, context: RunContext) throws -> Int {
        let now = context.clock.iso
        let overdue = try Int64.fetchAll(db, sql: """
            SELECT id FROM assignment WHERE status = 'open' AND expires_at IS NOT NULL AND expires_at <= ?
            """, arguments: [now])
        for id in overdue { try close(db, id, status: "expired", context: context) }
        return overdue.count
    }
}
