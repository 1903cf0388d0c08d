import GRDB

/// `lw workers add|list|disable|enable`.
public enum ManageWorkers {
    public struct WorkerRow: Sendable {
        public var name: String
        public var kind: String
        public var active: Bool
        public var votes: Int
        public var openAssignments: Int
        public var skipped: Int
        public var agreement: Double?
        public var accuracy: Double?
        public var meanSeconds: Double?
    }

    /// Adds workers; names already present are left as they are (idempotent).
    /// Returns the names actually added.
    public static func add(_ names: [String], kind: String = "human", store: Store, context: RunContext) throws -> [String] {
        for name in names where !isValidName(name) {
            throw LWError.invalidArgument("worker name '\(name)' is not usable: use letters, digits, '.', '_', '-' or '@' (no spaces or commas)")
        }
        var context = context
        return try store.pool.write { db in
            var added: [String] = []
            for name in names {
                if try Int.fetchOne(db, sql: "SELECT 1 FROM worker WHERE name = ?", arguments: [name]) != nil { continue }
                if added.isEmpty { try context.begin(db) }
                try db.execute(sql: "INSERT INTO worker (name, kind, created_at) VALUES (?, ?, ?)",
                               arguments: [name, kind, context.clock.iso])
                try context.audit(db, action: .workerAdd, entity: "worker", entityId: db.lastInsertedRowID,
                                  after: ["name": name, "kind": kind, "active": 1])
                added.append(name)
            }
            if !added.isEmpty { try context.finish(db, status: .succeeded, counts: ["added": added.count]) }
            return added
        }
    }

    /// Disabling a worker releases their open assignments so others can take them.
    /// Returns the number of assignments released.
    public static func setActive(_ name: String, active: Bool, store: Store, context: RunContext) throws -> (changed: Bool, released: Int) {
        var context = context
        return try store.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, active FROM worker WHERE name = ?", arguments: [name]) else {
                throw try unknownWorker(name, db)
            }
            let id: Int64 = row["id"]
            if (row["active"] as Int == 1) == active { return (false, 0) }
            try context.begin(db)
            try db.execute(sql: "UPDATE worker SET active = ? WHERE id = ?", arguments: [active ? 1 : 0, id])
            try context.audit(db, action: active ? .workerEnable : .workerDisable, entity: "worker", entityId: id,
                              before: ["active": active ? 0 : 1], after: ["active": active ? 1 : 0])
            var released = 0
            if !active {
                let open = try Int64.fetchAll(db, sql: "SELECT id FROM assignment WHERE worker_id = ? AND status = 'open'", arguments: [id])
                for assignment in open {
                    try Assignments.close(db, assignment, status: "released", context: context, why: "worker disabled")
                }
                released = open.count
            }
            try context.finish(db, status: .succeeded, counts: ["released": released])
            return (true, released)
        }
    }

    public static func list(_ store: Store) throws -> [WorkerRow] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM worker_summary ORDER BY name").map { r in
                WorkerRow(name: r["name"], kind: r["kind"], active: r["active"] as Int == 1, votes: r["votes"],
                          openAssignments: r["open_assignments"], skipped: r["skipped"], agreement: r["agreement"],
                          accuracy: r["accuracy"], meanSeconds: r["mean_seconds"])
            }
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)
        }
    }

    static func unknownWorker(_ name: String, _ db: Database) throws -> LWError {
        let known = try String.fetchAll(db, sql: "SELECT name FROM worker ORDER BY name LIMIT 10")
        return .invalidArgument("unknown worker '\(name)'" + (known.isEmpty
            ? ": no workers yet; add them with `lw workers add NAME...`"
            : " (known: \(known.joined(separator: ", "))); add it with `lw workers add \(name)`"))
    }
}

import Foundation
