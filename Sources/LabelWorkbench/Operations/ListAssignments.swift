import GRDB

/// `lw assignments`: assignments with their worker and image, for scripts and people.
public enum ListAssignments {
    public struct Item: Sendable {
        public var id: Int64
        public var worker: String
        public var imageId: Int64
        public var source: String
        public var status: String
        public var reason: String
        public var createdAt: String
        public var expiresAt: String?
    }

    public static func fetch(_ store: Store, openOnly: Bool, worker: String?, each: (Item) throws -> Void) throws {
        try store.pool.read { db in
            var sql = """
                SELECT a.id, w.name AS worker, a.image_id, i.source, a.status, a.reason, a.created_at, a.expires_at
                FROM assignment AS a JOIN worker AS w ON w.id = a.worker_id JOIN image AS i ON i.id = a.image_id
                """
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if openOnly { conditions.append("a.status = 'open'") }
            if let worker {
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM worker WHERE name = ?", arguments: [worker]) != nil else {
                    throw try ManageWorkers.unknownWorker(worker, db)
                }
                conditions.append("w.name = ?")
                arguments += [worker]
            }
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY a.id"
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let r = try cursor.next() {
                try each(Item(id: r["id"], worker: r["worker"], imageId: r["image_id"], source: r["source"], status: r["status"],
                              reason: r["reason"], createdAt: r["created_at"], expiresAt: r["expires_at"]))
            }
        }
    }
}
