import Foundation
import GRDB
import XCTest

final class ExportTests: XCTestCase {
    func testCSVExportIsDeterministicAtomicAndRefusesToOverwrite() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo"])
        let paths = try lw.makeImages("photos", count: 6, size: (40, 30))
        try lw.run(["import", "photos", "--quiet"])
        var votes = "worker,source,label\n"
        for (i, path) in paths.enumerated().prefix(4) {
            for w in ["a", "b", "c"] { votes += "\(w),\"\(path)\",\(i % 2 == 0 ? "logo" : "no_logo")\n" }
        }
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let first = try lw.run(["export", "--format", "csv"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let lines = first.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "source,sha256,label,confidence,origin,model_id,votes,image_id")
        XCTAssertEqual(lines.count, 5)
        XCTAssertTrue(lines[1].hasSuffix(",human,,3,1"), String(lines[1]))
        XCTAssertTrue(lines[1].contains(",logo,"))
        XCTAssertEqual(try lw.run(["export", "--format", "csv"]).stdout, first.stdout, "same state, same bytes")
        XCTAssertEqual(try lw.run(["export", "--format", "csv", "--only", "machine"]).stdout.split(separator: "\n").count, 1)

        XCTAssertEqual(try lw.run(["export", "--format", "csv", "--out", "labels.csv"]).status, 0)
        let written = try String(contentsOf: lw.directory.appendingPathComponent("labels.csv"), encoding: .utf8)
        XCTAssertEqual(written, first.stdout)
        let again = try lw.run(["export", "--format", "csv", "--out", "labels.csv"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(try lw.run(["export", "--format", "csv", "--out", "labels.csv", "--force"]).status, 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: lw.directory.path).filter { $0.contains("lw-tmp") }
        XCTAssertEqual(leftovers, [])
        let hashes: [String] = try lw.query("SELECT json_extract(after, '$.sha256') FROM audit_event WHERE action = 'export.write' AND json_extract(after, '$.only') = 'all'")
        XCTAssertEqual(Set(hashes).count, 1, "every export of this state has the same content hash")
    }

    func testManifestLinesFollowGroundTruthAndLabelConfigRoundTrips() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"])
        let paths = try lw.makeImages("images", count: 3, size: (40, 30))
        try "{\"source-ref\": \"images/img0000.jpg\", \"batch\": 7}\n{\"source-ref\": \"images/img0001.jpg\"}\n".write(
            to: lw.directory.appendingPathComponent("in.manifest"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["import", "--manifest", "in.manifest"]).status, 0)
        var votes = "worker,source,label\n"
        for w in ["a", "b", "c"] { votes += "\(w),img0000.jpg,no_logo\n\(w),img0001.jpg,logo\n" }
        _ = paths
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let out = try lw.run(["export", "--format", "manifest"])
        XCTAssertEqual(out.status, 0, out.stderr)
        let lines = out.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("{\"source-ref\":\"images/img0000.jpg\""), String(lines[0]))
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["batch"] as? Int, 7, "the input line's fields are kept")
        XCTAssertEqual(first["logo-job"] as? Int, 1, "class index of no_logo")
        let metadata = first["logo-job-metadata"] as! [String: Any]
        XCTAssertEqual(metadata["class-name"] as? String, "no_logo")
        XCTAssertEqual(metadata["type"] as? String, "groundtruth/image-classification")
        XCTAssertEqual(metadata["job-name"] as? String, "labeling-job/logo-job")
        XCTAssertEqual(metadata["human-annotated"] as? String, "yes")
        XCTAssertGreaterThan(metadata["confidence"] as! Double, 0.9)
        let date = metadata["creation-date"] as! String
        XCTAssertNotNil(date.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"#, options: .regularExpression), date)

        XCTAssertEqual(try lw.run(["export", "--format", "label-config", "--out", "labels.json"]).status, 0)
        let config = try String(contentsOf: lw.directory.appendingPathComponent("labels.json"), encoding: .utf8)
        XCTAssertEqual(config, "{\"document-version\":\"2018-11-28\",\"labels\":[{\"label\":\"logo\"},{\"label\":\"no_logo\"}]}\n")
        let other = try lw.run(["init", "--label-config", "labels.json", "--db", "other.db"])
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stdout.contains("logo, no_logo"), other.stdout)
        try "{\"labels\": 3}".write(to: lw.directory.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["init", "--label-config", "bad.json", "--db", "third.db"]).status, 1)
    }

    /// Export a manifest, import it into a new job with --labels-from: the same labels.
    func testManifestRoundTripIntoANewJob() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "first-job"])
        let paths = try lw.makeImages("photos", count: 6, size: (40, 30))
        try lw.run(["import", "photos", "--quiet"])
        var votes = "worker,source,label\n"
        for (i, path) in paths.enumerated() { for w in ["a", "b", "c"] { votes += "\(w),\(path),\(i % 3 == 0 ? "logo" : "no_logo")\n" } }
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        try lw.run(["votes", "import", "votes.csv"])
        XCTAssertEqual(try lw.run(["export", "--format", "manifest", "--out", "out.manifest"]).status, 0)
        let before = try lw.run(["export", "--format", "csv"]).stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }

        let second = lw.directory.appendingPathComponent("second.db").path
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--db", second]).status, 0)
        let imported = try lw.run(["import", "--manifest", "out.manifest", "--labels-from", "first-job", "--db", second])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("recorded 6 labels as votes of manifest-first-job"), imported.stdout)
        let after = try lw.run(["export", "--format", "csv", "--db", second]).stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
        XCTAssertEqual(after, before)
        // Rerun: nothing new. A label this job does not know: the line is named and nothing is imported.
        XCTAssertTrue(try lw.run(["import", "--manifest", "out.manifest", "--labels-from", "first-job", "--db", second]).stdout.contains("already recorded"))
        let third = lw.directory.appendingPathComponent("third.db").path
        try lw.run(["init", "--labels", "cat,dog", "--db", third])
        let bad = try lw.run(["import", "--manifest", "out.manifest", "--labels-from", "first-job", "--db", third])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("out.manifest:1: class name"), bad.stderr)
        XCTAssertEqual(try DatabaseQueueCount(third), 0)
    }

    /// kill -9 in the middle of a large export: the target never exists half-written.
    func testKilledExportLeavesNoPartialFile() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "big"])
        try GRDB.DatabaseQueue(path: lw.database).write { db in
            try db.execute(sql: "INSERT INTO run (command, arguments, actor, pid, started_at, status) VALUES ('t', '[]', 't', 0, 'x', 'succeeded')")
            // 300,000 labeled rows, generated inside SQLite.
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
                INSERT INTO image (id, sha256, source, path, bytes, width, height, format, random_rank, imported_at, run_id)
                SELECT i, printf('%064x', i), '/data/' || i || '.jpg', '/data/' || i || '.jpg', 1, 1, 1, 'jpeg', 0.5, 'x', 1 FROM n
                """)
            try db.execute(sql: """
                INSERT INTO consensus (image_id, label_id, confidence, votes, method, posteriors, updated_at, run_id)
                SELECT id, 1, 0.99, 3, 'dawid_skene', '{}', '2026-01-01T00:00:00.000000Z', 1 FROM image
                """)
        }
        let target = lw.directory.appendingPathComponent("big.manifest").path
        let process = try lw.start(["export", "--format", "manifest", "--out", target])
        // Wait until the temporary file is being written, then kill.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: lw.directory.path)) ?? []
            if names.contains(where: { $0.contains("lw-tmp") }) { break }
            usleep(1000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "no half-written export at the target")
        // A rerun completes it.
        XCTAssertEqual(try lw.run(["export", "--format", "manifest", "--out", target, "--quiet"]).status, 0)
        let lines = try String(contentsOfFile: target, encoding: .utf8).split(separator: "\n").count
        XCTAssertEqual(lines, 300_000)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: lw.directory.path).filter { $0.contains("lw-tmp") }
        XCTAssertEqual(leftovers, [], "the killed export's temporary file is cleaned up by the rerun")
    }

    private func DatabaseQueueCount(_ path: String) throws -> Int {
        try GRDB.DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM image") ?? -1 }
    }
}
