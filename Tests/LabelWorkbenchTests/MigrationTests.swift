import Foundation
import GRDB
import XCTest
@testable import LabelWorkbench

final class MigrationTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lw-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testEmbeddedMigrationsEqualTheFilesInMigrationsFolder() throws {
        let folder = Self.repositoryRoot.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertFalse(files.isEmpty)
        XCTAssertEqual(Store.migrationNames, files.map { String($0.dropLast(4)) })
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(Store.migrationSQL[String(file.dropLast(4))], text, "\(file) differs from the embedded copy")
        }
    }

    func testMigrationFileNamesAreNumberedVerbObject() {
        for name in Store.migrationNames {
            XCTAssertNotNil(name.range(of: #"^\d{4}_[a-z0-9_]+$"#, options: .regularExpression), name)
        }
    }

    func testFreshMigrateAndMigrateTwiceIsANoOp() throws {
        let path = directory.appendingPathComponent("a.db").path
        _ = try Store(path: path)
        let first = try schema(path)
        _ = try Store(path: path)
        XCTAssertEqual(try schema(path), first)
        let applied = try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        XCTAssertEqual(applied, Store.migrationNames)
    }

    /// The schema is a public interface: every change must show as a diff of
    /// Tests/LabelWorkbenchTests/Golden/schema.sql. Regenerate with LW_UPDATE_GOLDEN=1.
    func testSchemaMatchesGoldenSnapshot() throws {
        let path = directory.appendingPathComponent("golden.db").path
        _ = try Store(path: path)
        let actual = try schema(path)
        let golden = Self.repositoryRoot.appendingPathComponent("Tests/LabelWorkbenchTests/Golden/schema.sql")
        if ProcessInfo.processInfo.environment["LW_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        XCTAssertEqual(actual, expected, "schema changed: review the diff, then rerun with LW_UPDATE_GOLDEN=1")
    }

    /// Jobs from before 0012 thresholded at a 97.5% bound; migrating keeps that
    /// (their models stay reusable), new jobs get the 95% default.
    func testJobsBeforeThresholdConfidenceKeepTheirStricterBound() throws {
        let path = directory.appendingPathComponent("old.db").path
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "0011_create_model_validation")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO job (name, workers_per_image, target_accuracy, created_at) VALUES ('old', 3, 0.95, 't')")
        }
        try Store.migrator.migrate(queue)
        XCTAssertEqual(try queue.read { try Double.fetchOne($0, sql: "SELECT threshold_confidence FROM job") }, 0.975)
        let fresh = directory.appendingPathComponent("fresh.db").path
        _ = try InitJob.run(databasePath: fresh, settings: JobSettings(name: "new", labels: ["a", "b"]), context: RunContext(actor: "test", command: "init", arguments: []))
        XCTAssertEqual(try DatabaseQueue(path: fresh).read { try Double.fetchOne($0, sql: "SELECT threshold_confidence FROM job") }, 0.95)
    }

    func testDatabaseFromNewerLWIsRefused() throws {
        let path = directory.appendingPathComponent("newer.db").path
        _ = try Store(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')")
        }
        XCTAssertThrowsError(try Store(path: path)) { error in
            XCTAssertEqual(error as? LWError, .databaseNewerThanLW(database: path, migration: "9999_from_the_future"))
        }
    }

    func testAuditEventIsAppendOnly() throws {
        let path = directory.appendingPathComponent("audit.db").path
        let store = try Store(path: path)
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO audit_event (at, actor, action, entity) VALUES ('t', 'me', 'x.y', 'x')")
        }
        XCTAssertThrowsError(try store.pool.write { try $0.execute(sql: "UPDATE audit_event SET actor = 'someone else'") })
        XCTAssertThrowsError(try store.pool.write { try $0.execute(sql: "DELETE FROM audit_event") })
        XCTAssertEqual(try store.pool.read { try String.fetchOne($0, sql: "SELECT actor FROM audit_event") }, "me")
    }

    func testOpenExistingNeverCreatesAFile() {
        let path = directory.appendingPathComponent("missing.db").path
        XCTAssertThrowsError(try Store.openExisting(path: path)) { error in
            XCTAssertEqual(error as? LWError, .notInitialized(database: path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    private func schema(_ path: String) throws -> String {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: """
                SELECT sql FROM sqlite_master
                WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name
                """).map { $0 + ";\n" }.joined(separator: "\n")
        }
    }
}
