import Foundation
import GRDB

/// The lw database: one SQLite file in WAL mode, migrated by the migrations
/// embedded from `migrations/*.sql`. Writers take `BEGIN IMMEDIATE` (GRDB's
/// default for DatabasePool writes) and wait on a busy timeout instead of failing.
public final class Store: Sendable {
    public let path: String
    public let pool: DatabasePool
    private let writable: Bool

    /// Opens a database that `lw init` created, for a command that writes.
    /// Never creates a file, and never writes a schema into a file that holds
    /// no lw job (it is checked read-only first).
    public static func openExisting(path: String) throws -> Store {
        try checkHasJob(path)
        return try Store(path: path)
    }

    /// Opens a database that `lw init` created, read-only (SQLITE_OPEN_READONLY):
    /// for commands that only read, so they work on a read-only file and never
    /// change one. A database from an older lw is upgraded first when it can be
    /// written (its schema, not its data).
    public static func openReadOnly(path: String) throws -> Store {
        try checkHasJob(path)
        let current = try withReadOnlyQueue(path) { try migrator.hasCompletedMigrations($0) }
        if !current {
            guard access(path, W_OK) == 0 else {
                throw LWError.unreadableInput(path: path, reason: "written by an older lw and read-only: make it writable once so lw can upgrade its schema")
            }
            _ = try Store(path: path)
        }
        return try Store(path: path, readOnly: true)
    }

    /// Throws `notInitialized` unless `path` is an SQLite file with one job,
    /// looking through a read-only connection.
    static func checkHasJob(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw LWError.notInitialized(database: path) }
        let hasJob = try withReadOnlyQueue(path) { db in
            try db.tableExists("job") && (try Int.fetchOne(db, sql: "SELECT count(*) FROM job") ?? 0) == 1
        }
        guard hasJob else { throw LWError.notInitialized(database: path) }
    }

    /// What SQLite opens for reading `path`. A WAL database needs its -shm
    /// file; in a folder lw cannot write, with no -shm, nobody is writing
    /// the file through this folder: open it immutable (a URI; Debian's
    /// SQLite is built with SQLITE_USE_URI).
    static func readOnlyLocation(_ path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        guard access(folder.isEmpty ? "." : folder, W_OK) != 0, !FileManager.default.fileExists(atPath: path + "-shm") else { return path }
        return URL(fileURLWithPath: path).absoluteString + "?immutable=1"
    }

    private static func withReadOnlyQueue<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        do {
            return try DatabaseQueue(path: readOnlyLocation(path), configuration: config).read(body)
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_CANTOPEN].contains(error.resultCode) {
            throw LWError.unreadableInput(path: path, reason: "cannot open as an SQLite database (\(Self.describe(error))); check the path")
        }
    }

    /// Opens or creates the file and brings its schema up to date; read-only
    /// opens neither create nor migrate.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        writable = !readOnly
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(30)
        config.label = "lw"
        config.readonly = readOnly
        // WAL with synchronous=NORMAL: every commit is atomic and consistent;
        // a power cut may lose the last commits, never corrupt the file.
        if !readOnly { config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") } }
        do {
            pool = try Self.openPool(readOnly ? Self.readOnlyLocation(path) : path, config)
        } catch {
            throw LWError.unreadableInput(path: path, reason: "cannot open as an SQLite database (\(Self.describe(error))); check the path and its permissions")
        }
        if !readOnly { try Self.migrate(pool, path: path) }
    }

    /// Opening sets WAL mode, which SQLite refuses at once, without its busy
    /// timeout, while another process checkpoints or recovers the log (as each
    /// lw command does when it ends): retried for up to ~4 s.
    private static func openPool(_ location: String, _ config: Configuration) throws -> DatabasePool {
        try retrying(attempts: 20, pause: 20_000, when: { $0.resultCode == .SQLITE_BUSY }) {
            try DatabasePool(path: location, configuration: config)
        }
    }

    /// Runs `body` again, pausing `pause` × the attempt microseconds, while it
    /// throws a database error `when` accepts, at most `attempts` times.
    static func retrying<T>(attempts: Int, pause: UInt32, when retry: (DatabaseError) -> Bool, _ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where attempt < attempts && retry(error) {
                usleep(pause * UInt32(attempt))
                attempt += 1
            }
        }
    }

    /// SQLite copies the write-ahead log into the file when its last connection
    /// closes. With another process's idle connection open (an audit in
    /// `sqlite3 lw.db`) this one is not the last, and the file would lag the
    /// log until that one closes: a plain copy of it would miss this command's
    /// writes. A passive checkpoint waits for nobody.
    deinit {
        guard writable else { return }
        _ = try? pool.writeWithoutTransaction { try $0.checkpoint(.passive) }
    }

    static func migrate(_ writer: some DatabaseWriter, path: String) throws {
        let known = Set(EmbeddedMigrations.all.map(\.name))
        let applied = try writer.read { db in try db.tableExists("grdb_migrations")
            ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : [] }
        if let unknown = applied.subtracting(known).sorted().first {
            throw LWError.databaseNewerThanLW(database: path, migration: unknown)
        }
        // GRDB applies each migration in its own transaction; two lw processes
        // opening a new file at once can both try one. The loser retries and
        // finds it applied.
        try retrying(attempts: 8, pause: 50_000, when: { [.SQLITE_ERROR, .SQLITE_CONSTRAINT].contains($0.resultCode) }) {
            try migrator.migrate(writer)
        }
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
