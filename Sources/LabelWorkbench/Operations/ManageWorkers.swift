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
            var fresh: [String] = [], promote: [WorkerRecord] = []
            for name in names {
                if let present = try WorkerRecord.named(name, db) {
                    if expert && !present.expert && !promote.contains(where: { $0.id == present.id }) { promote.append(present) }
                } else if !fresh.contains(name) {
                    fresh.append(name)
                }
            }
            guard !fresh.isEmpty || !promote.isEmpty else { return [] }
            try context.begin(db)
            for present in promote {
                try db.execute(sql: "UPDATE worker SET expert = 1 WHERE id = ?", arguments: [present.id])
                try context.audit(db, action: .workerExpert, entity: "worker", entityId: present.id, before: ["expert": 0], after: ["expert": 1])
            }
            for name in fresh {
                var worker = WorkerRecord(name: name, kind: kind, active: true, createdAt: context.clock.iso, expert: expert)
                try worker.insert(db)
                try context.audit(db, action: .workerAdd, entity: "worker", entityId: worker.id,
                                  after: ["name": name, "kind": kind, "active": 1, "expert": expert ? 1 : 0])
            }
            try context.finish(db, status: .succeeded, counts: ["added": fresh.count, "made_experts": promote.count])
            return fresh
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
