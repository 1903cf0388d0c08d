import GRDB

/// `lw workers add|list|disable|enable`.
public enum ManageWorkers {
    public struct WorkerRow: Sendable {
        public var name: String
        public var kind: String
        public var active: Bool
        public var expert: Bool
        public var votes: Int
        public var openAssignments: Int
        public var skipped: Int
        public var agreement: Double?
        public var accuracy: Double?
        public var meanSeconds: Double?
    }

    /// Adds workers; names already present are left as they are (idempotent),
    /// but with `expert` every named worker becomes an expert (their vote
    /// settles an image). Returns the names actually added.
    public static func add(_ names: [String], kind: String = "human", expert: Bool = false, store: Store,
                           context: RunContext) throws -> [String] {
        for name in names where !isValidName(name) {
            throw LWError.invalidArgument("worker name '\(name)' is not usable: use letters, digits, '.', '_', '-' or '@' (no spaces or commas)")
        }
        var context = context
        return try store.pool.write { db in
            var added: [String] = []
            var promoted = 0
            for name in names {
                if let present = try WorkerRecord.named(name, db) {
                    guard expert && !present.expert else { continue }
                    if added.isEmpty && promoted == 0 { try context.begin(db) }
                    try db.execute(sql: "UPDATE worker SET expert = 1 WHERE id = ?", arguments: [present.id])
                    try context.audit(db, action: .workerExpert, entity: "worker", entityId: present.id, before: ["expert": 0], after: ["expert": 1])
                    promoted += 1
                    continue
                }
                if added.isEmpty && promoted == 0 { try context.begin(db) }
                var worker = WorkerRecord(name: name, kind: kind, active: true, createdAt: context.clock.iso, expert: expert)
                try worker.insert(db)
                try context.audit(db, action: .workerAdd, entity: "worker", entityId: worker.id,
                                  after: ["name": name, "kind": kind, "active": 1, "expert": expert ? 1 : 0])
                added.append(name)
            }
            if !added.isEmpty || promoted > 0 {
                try context.finish(db, status: .succeeded, counts: ["added": added.count, "made_experts": promoted])
            }
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
            try Row.fetchAll(db, sql: "SELECT s.*, w.expert FROM worker_summary AS s JOIN worker AS w ON w.name = s.name ORDER BY s.name").map { r in
                WorkerRow(name: r["name"], kind: r["kind"], active: r["active"] as Int == 1, expert: r["expert"], votes: r["votes"],
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
