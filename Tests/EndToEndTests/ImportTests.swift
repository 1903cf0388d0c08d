import Foundation
import XCTest
import LabelWorkbench

final class ImportTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws {
        lw = try LWRunner.make()
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]).status, 0)
    }
    override func tearDown() { lw.cleanUp() }

    func testImportTwiceChangesNothingTheSecondTime() throws {
        try lw.makeImages("photos", count: 12)
        let first = try lw.run(["import", "photos"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("imported 12 of 12"), first.stdout)
        let snapshot = try state()
        let audit = try lw.scalar("SELECT count(*) FROM audit_event")
        let second = try lw.run(["import", "photos"])
        XCTAssertEqual(second.status, 0)
        XCTAssertTrue(second.stdout.contains("12 already imported"), second.stdout)
        XCTAssertEqual(try state(), snapshot)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event"), audit)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image WHERE format = 'png'"), 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image WHERE width = 96 AND height = 72"), 12)
    }

    func testTheSameFileUnderAnotherNameIsOneImage() throws {
        let paths = try lw.makeImages("photos", count: 2)
        try FileManager.default.createDirectory(atPath: lw.directory.appendingPathComponent("copies").path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: paths[0], toPath: lw.directory.appendingPathComponent("copies/renamed.jpg").path)
        XCTAssertEqual(try lw.run(["import", "photos"]).status, 0)
        let result = try lw.run(["import", "copies", "--json"])
        XCTAssertEqual(result.status, 0)
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(summary["imported"] as? Int, 0)
        XCTAssertEqual(summary["duplicates"] as? Int, 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 2)
        XCTAssertTrue(try lw.run(["import", "copies"]).stdout.contains("skipped 1 duplicates"))
        // Both folders at once: still two images, one duplicate.
        XCTAssertTrue(try lw.run(["import", "photos", "copies"]).stdout.contains("2 already imported, skipped 1 duplicates"))
    }

    func testBadFilesAreRecordedAndSkippedAndTheRestGoesIn() throws {
        let paths = try lw.makeImages("mixed", count: 5)
        let dir = lw.directory.appendingPathComponent("mixed")
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: paths[0]))
        let png = try Data(contentsOf: URL(fileURLWithPath: paths[4]))
        let bad: [(String, Data, String)] = [
            ("truncated.jpg", jpeg.prefix(jpeg.count / 2), "truncated JPEG"),
            ("truncated.png", png.prefix(png.count / 2), "PNG"),
            ("zero.jpg", Data(), "empty file"),
            ("notes.txt", Data("not a picture".utf8), "not an image"),
            ("anim.gif", Data("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8), "unsupported format GIF"),
        ]
        for (name, data, _) in bad { _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: data) }
        let result = try lw.run(["import", "mixed"])
        XCTAssertEqual(result.status, 2, "exit 2 says some failed")
        XCTAssertTrue(result.stdout.contains("imported 5 of 10 files"), result.stdout)
        XCTAssertTrue(result.stdout.contains("5 failed"), result.stdout)
        for (name, _, reason) in bad {
            let rows: [String] = try lw.query("SELECT reason FROM import_error WHERE source LIKE '%/\(name)'")
            XCTAssertEqual(rows.count, 1, name)
            XCTAssertTrue(rows.first?.contains(reason) ?? false, "\(name): \(rows)")
            XCTAssertTrue(result.stderr.contains(name), "stderr names \(name)")
        }
        let status = try lw.run(["status", "--json"]).stdout
        XCTAssertTrue(status.contains("\"failed\":5"), status)
        XCTAssertTrue(status.contains("\"total\":10"), status)
        // Rerun: nothing new recorded. Fix one file: its error is resolved.
        XCTAssertEqual(try lw.run(["import", "mixed"]).status, 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM import_error"), 5)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'import_error.record'"), 5)
        let fixed = try JPEGCodec.encode(SyntheticImages.render(.init(width: 40, height: 30, withMark: false, seed: 77)))
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("truncated.jpg").path, contents: Data(fixed))
        XCTAssertEqual(try lw.run(["import", "mixed"]).status, 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM import_error"), 4)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'import_error.resolve'"), 1)
    }

    func testMissingPathIsRecordedAndTheOtherPathsImport() throws {
        try lw.makeImages("photos", count: 2)
        let result = try lw.run(["import", "no/such/folder", "photos"])
        XCTAssertEqual(result.status, 2, "some paths failed")
        XCTAssertTrue(result.stdout.contains("imported 2 of 3 files"), result.stdout)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("no/such/folder: file not found"), result.stderr)
        XCTAssertEqual(try lw.query("SELECT source FROM import_error") as [String], [lw.directory.appendingPathComponent("no/such/folder").path])
    }

    func testManifestImportKeepsFieldsAndRecordsUnreadableRefs() throws {
        try lw.makeImages("images", count: 3)
        let manifest = """
        {"source-ref": "images/img0000.jpg", "batch": "a"}
        {"source-ref": "images/img0001.jpg"}
        {"source-ref": "s3://bucket/elsewhere.jpg"}
        {"source-ref": "images/missing.jpg"}
        """
        try manifest.write(to: lw.directory.appendingPathComponent("input.manifest"), atomically: true, encoding: .utf8)
        let result = try lw.run(["import", "--manifest", "input.manifest"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(try lw.query("SELECT source FROM image ORDER BY id") as [String], ["images/img0000.jpg", "images/img0001.jpg"])
        XCTAssertEqual(try lw.query("SELECT manifest_fields FROM image ORDER BY id LIMIT 1") as [String],
                       [#"{"batch":"a","source-ref":"images/img0000.jpg"}"#])
        let reasons: [String] = try lw.query("SELECT reason FROM import_error ORDER BY source")
        XCTAssertTrue(reasons[0].contains("file not found"), reasons[0])
        XCTAssertTrue(reasons[1].contains("s3://"), reasons[1])
    }

    func testMalformedManifestNamesTheLineAndImportsNothing() throws {
        try lw.makeImages("images", count: 1)
        try "{\"source-ref\": \"images/img0000.jpg\"}\n{oops}\n".write(
            to: lw.directory.appendingPathComponent("bad.manifest"), atomically: true, encoding: .utf8)
        let result = try lw.run(["import", "--manifest", "bad.manifest"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("bad.manifest:2:"), result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 0)
    }

    /// kill -9 in the middle of an import, then rerun: the same final state as
    /// an uninterrupted import, and the killed run is marked interrupted.
    func testKilledImportIsFinishedByARerun() throws {
        try lw.makeImages("photos", count: 240, size: (320, 240))
        let process = try lw.start(["import", "photos", "--batch-size", "4", "--quiet"])
        let deadline = Date().addingTimeInterval(60)
        while (try? lw.scalar("SELECT count(*) FROM image")) ?? 0 < 8 && Date() < deadline && process.isRunning {
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try lw.scalar("SELECT count(*) FROM image")
        XCTAssertLessThan(partial, 240, "the import was killed before it finished")
        let integrity: [String] = try lw.query("PRAGMA integrity_check")
        XCTAssertEqual(integrity, ["ok"])
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        let resumed = try state()

        let reference = try LWRunner.make()
        defer { reference.cleanUp() }
        try reference.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"])
        try FileManager.default.createSymbolicLink(atPath: reference.directory.appendingPathComponent("photos").path,
                                                   withDestinationPath: lw.directory.appendingPathComponent("photos").path)
        try reference.run(["import", "photos", "--quiet"])
        let uninterrupted: [String] = try reference.query("SELECT sha256 || ' ' || width || 'x' || height || ' ' || format FROM image ORDER BY sha256")
        XCTAssertEqual(resumed.map { String($0.split(separator: " ", maxSplits: 1)[1]) }, uninterrupted)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 240)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'image.import'"), 240)
        XCTAssertEqual(try lw.query("SELECT status FROM run WHERE command = 'import' ORDER BY id") as [String], ["interrupted", "succeeded"])
    }

    /// The content of each image row that matters: (source, sha, size, format).
    private func state() throws -> [String] {
        try lw.query("SELECT substr(source, length(source) - 10) || ' ' || sha256 || ' ' || width || 'x' || height || ' ' || format FROM image ORDER BY sha256")
    }
}
