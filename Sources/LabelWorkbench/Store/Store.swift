import Foundation
import GRDB

/// The lw database: one SQLite file in WAL mode, migrated by the migrations
/// embedded from `migrations/*.sql`. Writers take `BEGIN IMMEDIATE` (GRDB's
/// default for DatabasePool writes) and wait on a busy timeout instead of failing.
public final class Store: Sendable {
    public let path: String
    public let pool: DatabasePool

    /// Opens a database that `lw init` created. Never creates a file.
    public static func openExisting(path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LWError.notInitialized(database: path)
        }
        let store = try Store(path: path)
        let hasJob = try store.pool.read { db in
            try db.tableExists("job") && (try Int.fetchOne(db, sql: "SELECT count(*) FROM job") ?? 0) == 1
        }
        guard hasJob else { throw LWError.notInitialized(database: path) }
        return store
    }

    /// Opens or creates the file and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(30)
        config.label = "lw"
        // WAL with synchronous=NORMAL: every commit is atomic and consistent;
        // a power cut may lose the last commits, never corrupt the file.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw LWError.unreadableInput(path: path, reason: "cannot open as an SQLite database (\(Self.describe(error))); check the path and its permissions")
        }
        try Self.migrate(pool, path: path)
    }

    static func migrate(_ writer: some DatabaseWriter, path: String) throws {
        let known = Set(EmbeddedMigrations.all.map(\.name))
        let applied = try writer.read { db in try db.tableExists("grdb_migrations")
            ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : [] }
        if let unknown = applied.subtracting(known).sorted().first {
            throw LWError.databaseNewerThanLW(database: path, migration: unknown)
        }
        try migrator.migrate(writer)
    }

    /// The migrator: one GRDB migration per embedded `migrations/NNNN_*.sql` file.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.all {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    public static var migrationNames: [String] { EmbeddedMigrations.all.map(\.name) }
    public static var migrationSQL: [String: String] {
        Dictionary(uniqueKeysWithValues: EmbeddedMigrations.all.map { ($0.name, $0.sql) })
    }

    static func describe(_ error: Error) -> String {
        if let dbError = error as? DatabaseError { return dbError.message ?? "\(dbError.resultCode)" }
        return "\(error)"
    }
}
