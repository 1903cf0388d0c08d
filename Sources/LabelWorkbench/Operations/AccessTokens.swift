import Foundation
import GRDB

/// Secrets for the browser pages of `lw serve`: a worker's personal link and
/// the owner's /status link. The secret is shown once; only its SHA-256 is stored.
public enum AccessTokens {
    public enum Holder: Sendable, Equatable {
        case worker(id: Int64, name: String)
        case owner
    }

    /// A new secret for each worker (revoking their previous one), in one transaction.
    /// Returns (worker, secret) in the order given.
    public static func issue(forWorkers names: [String], store: Store, context: RunContext) throws -> [(worker: String, secret: String)] {
        var context = context
        return try store.pool.write { db in
            try context.begin(db)
            var issued: [(String, String)] = []
            for name in names {
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM worker WHERE name = ?", arguments: [name]) else {
                    throw try ManageWorkers.unknownWorker(name, db)
                }
                issued.append((name, try issue(db, role: "worker", workerId: id, context: context)))
            }
            try context.finish(db, status: .succeeded, counts: ["links": issued.count])
            return issued
        }
    }

    /// A new owner secret, revoking the previous one. Recorded under `context`'s
    /// run when it has started one (`lw serve`), else under a run of its own.
    public static func issueOwner(store: Store, context: RunContext) throws -> String {
        var context = context
        let ownRun = context.runId == nil
        return try store.pool.write { db in
            if ownRun { try context.begin(db) }
            let secret = try issue(db, role: "owner", workerId: nil, context: context)
            if ownRun { try context.finish(db, status: .succeeded, counts: ["links": 1]) }
            return secret
        }
    }

    public static func hasOwnerToken(_ store: Store) throws -> Bool {
        try store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT 1 FROM access_token WHERE role = 'owner' AND revoked_at IS NULL") != nil
        }
    }

    /// Who holds `secret`, if it is a working link of an active worker or the owner.
    public static func holder(of secret: String, _ db: Database) throws -> Holder? {
        guard isWellFormed(secret) else { return nil }
        guard let row = try Row.fetchOne(db, sql: holderSQL, arguments: [digest(secret)]) else { return nil }
        if row["role"] as String == "owner" { return .owner }
        guard row["active"] as Int == 1 else { return nil }
        return .worker(id: row["worker_id"], name: row["name"])
    }

    /// A link's holder by the link's digest: one index search per request.
    public static let holderSQL = """
        SELECT t.role, t.worker_id, w.name, w.active FROM access_token AS t LEFT JOIN worker AS w ON w.id = t.worker_id
        WHERE t.token_sha256 = ? AND t.revoked_at IS NULL
        """

    /// 32 random bytes, base64url without padding (43 characters).
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func isWellFormed(_ secret: String) -> Bool {
        secret.utf8.count == 43 && secret.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }

    public static func digest(_ secret: String) -> String {
        Data(secret.utf8).withUnsafeBytes { ContentHash.sha256Hex($0) }
    }

    private static func issue(_ db: Database, role: String, workerId: Int64?, context: RunContext) throws -> String {
        let now = context.clock.iso
        let previous = try Int64.fetchAll(db, sql: """
            SELECT id FROM access_token WHERE role = ? AND worker_id IS ? AND revoked_at IS NULL
            """, arguments: [role, workerId])
        for id in previous {
            try db.execute(sql: "UPDATE access_token SET revoked_at = ? WHERE id = ?", arguments: [now, id])
            try context.audit(db, action: .accessTokenRevoke, entity: "access_token", entityId: id, after: ["revoked_at": now])
        }
        let secret = newSecret()
        try db.execute(sql: """
            INSERT INTO access_token (role, worker_id, token_sha256, created_at, run_id) VALUES (?, ?, ?, ?, ?)
            """, arguments: [role, workerId, digest(secret), now, context.runId])
        // The audit row names the holder, never the secret.
        try context.audit(db, action: .accessTokenIssue, entity: "access_token", entityId: db.lastInsertedRowID,
                          after: ["role": role, "worker_id": workerId as Any])
        return secret
    }
}
