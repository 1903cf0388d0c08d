import Foundation
import GRDB
import XCTest
import LabelWorkbench

/// Several lw processes on one database at once: no raw SQLite error, no
/// lost or doubled row, the state a single run would leave.
final class ConcurrencyTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws { lw = try LWRunner.make() }
    override func tearDown() { lw.cleanUp() }

    /// Starts the same command `count` times at once and waits for all.
    private func together(_ arguments: [String], count: Int = 4) throws -> [LWRunner.Result] {
        try together(count: count) { _ in arguments }
    }

    /// Starts `count` commands at once (the i-th's arguments from `arguments(i)`) and waits for all.
    private func together(count: Int, _ arguments: @escaping @Sendable (Int) -> [String]) throws -> [LWRunner.Result] {
        let results = UnsafeMutableBufferPointer<LWRunner.Result?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        let runner = lw!
        DispatchQueue.concurrentPerform(iterations: count) { i in slots[i] = try? runner.run(arguments(i), timeout: 300) }
        return results.map { $0! }
    }

    private func assertClean(_ results: [LWRunner.Result], _ what: String) {
        for result in results {
            XCTAssertEqual(result.status, 0, "\(what): \(result.stderr)")
            for raw in ["SQLite", "UNIQUE", "constraint", "already exists", "NSCocoaErrorDomain"] {
                XCTAssertFalse(result.stderr.contains(raw), "\(what): \(result.stderr)")
            }
        }
    }

    /// An audit's idle connection (a `sqlite3 lw.db` shell) keeps lw's from
    /// being the last to close; the database file alone, without its log,
    /// still holds what each command wrote.
    func testTheFileHoldsEachCommandsWritesWhileAnotherConnectionIsOpen() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo"]).status, 0)
        let audit = try DatabaseQueue(path: lw.database)
        XCTAssertEqual(try audit.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM worker") }, 0)
        XCTAssertEqual(try lw.run(["workers", "add", "ann", "bob"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: lw.database + "-wal"), "the open connection keeps the log")
        let copy = lw.directory.appendingPathComponent("copy.db").path
        try FileManager.default.copyItem(atPath: lw.database, toPath: copy)
        XCTAssertEqual(try DatabaseQueue(path: copy).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM worker") }, 2)
        try audit.close()
    }

    func testConcurrentInitsAndImportsLeaveOneJobAndEachImageOnce() throws {
        assertClean(try together(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]), "init")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM job"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM label"), 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'init'"), 1, "one created it")
        try lw.makeImages("photos", count: 120)
        assertClean(try together(["import", "photos", "--batch-size", "8", "--quiet"]), "import")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 120)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'image.import'"), 120)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE status NOT IN ('succeeded')"), 0)
    }

    func testConcurrentAnswerFilesLoseAndDoubleNothing() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]).status, 0)
        try lw.makeImages("photos", count: 40)
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        XCTAssertEqual(try lw.run(["workers", "add", "w0", "w1", "w2", "w3"]).status, 0)
        XCTAssertEqual(try lw.run(["assign", "--per-image", "4"]).status, 0)
        let rows = try lw.run(["assignments", "--open", "--format", "csv"]).stdout.split(separator: "\n").dropFirst()
        var files = [String](repeating: "assignment_id,label\n", count: 4)
        for row in rows {
            let fields = row.split(separator: ",")
            files[Int(fields[1].dropFirst())!] += "\(fields[0]),\(Int(fields[2])! % 2 == 0 ? "logo" : "no_logo")\n"
        }
        for (i, text) in files.enumerated() {
            try text.write(to: lw.directory.appendingPathComponent("answers\(i).csv"), atomically: true, encoding: .utf8)
        }
        // Four workers' files at once, each twice.
        assertClean(try together(count: 8) { ["review", "--answers", "answers\($0 % 4).csv"] }, "review --answers")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 160)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM (SELECT assignment_id FROM vote GROUP BY assignment_id HAVING count(*) > 1)"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM consensus"), 40)
    }

    func testTwoTrainsAtOnceStoreOneModelAndAReusedModelReportsItsThresholds() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "32:32", "--backbone", "off", "--target-accuracy", "0.8"]).status, 0)
        let specs = (0..<80).map { SyntheticImages.Spec(width: 96, height: 72, withMark: $0 % 2 == 0, seed: UInt64(700 + $0)) }
        let names = try lw.writePhotos("photos", prefix: "p", specs: specs)
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        var csv = "worker,source,label\n"
        for (name, spec) in zip(names, specs) { for w in 1...3 { csv += "w\(w),\(name),\(spec.withMark ? "logo" : "no_logo")\n" } }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)

        let trains = try together(["train", "--json"], count: 2)
        assertClean(trains, "train")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model"), 1, "the second found the first's model")
        let outputs = try trains.map { try JSONSerialization.jsonObject(with: Data($0.stdout.utf8)) as! [String: Any] }
        XCTAssertEqual(Set(outputs.map { $0["model_id"] as! Int }).count, 1)
        let again = try JSONSerialization.jsonObject(with: Data(try lw.run(["train", "--json"]).stdout.utf8)) as! [String: Any]
        XCTAssertEqual(again["reused"] as? Bool, true)
        let fresh = outputs.first { $0["reused"] as? Bool == false } ?? outputs[0]
        XCTAssertEqual(JSON.text(again["class_thresholds"] as Any), JSON.text(fresh["class_thresholds"] as Any), "a reused model reports its thresholds")
        XCTAssertEqual((again["class_thresholds"] as? [String: Any])?.count, 2)
        XCTAssertEqual(JSON.text(again["refusal"] as Any), JSON.text(fresh["refusal"] as Any))

        // Two folder exports to one folder at once: both finish, each image once.
        assertClean(try together(["export", "--format", "folder", "--out", "dataset", "--copy"], count: 2), "export")
        let files = FolderExportTests.files(under: lw.directory.appendingPathComponent("dataset"))
        XCTAssertEqual(files.count, 80, "\(files.filter { $0.contains(".lw-") })")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'export' AND status = 'succeeded'"), 2)
    }
}
