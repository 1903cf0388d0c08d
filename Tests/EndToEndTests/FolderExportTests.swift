import Foundation
import GRDB
import XCTest

final class FolderExportTests: XCTestCase {
    func testFolderExportIsStratifiedStableSafeAndIdempotent() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo"])
        let paths = try lw.makeImages("photos", count: 40, size: (32, 24))
        try lw.run(["import", "photos", "--quiet"])
        // Hostile sources: a name with ../ and control bytes, and two images with the same file name.
        try DatabaseQueue(path: lw.database).write { db in
            try db.execute(sql: "UPDATE image SET source = '../../etc/passwd' WHERE id = 1")
            try db.execute(sql: "UPDATE image SET source = '/abs/dir/\u{1}evil\nname.jpg' WHERE id = 2")
            try db.execute(sql: "UPDATE image SET source = '/a/same.jpg' WHERE id = 3")
            try db.execute(sql: "UPDATE image SET source = '/b/same.jpg' WHERE id = 4")
        }
        _ = paths
        // Votes by image id (sources were rewritten): through the database's own sources.
        let sources: [String] = try lw.query("SELECT source FROM image ORDER BY id")
        var csv = "worker,source,label\n"
        for (i, source) in sources.enumerated() {
            for w in ["a", "b", "c"] { csv += "\(w),\"\(source.replacingOccurrences(of: "\"", with: "\"\""))\",\(i % 4 == 0 ? "logo" : "no_logo")\n" }
        }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        let imported = try lw.run(["votes", "import", "votes.csv"])
        XCTAssertEqual(imported.status, 0, imported.stderr)

        let first = try lw.run(["export", "--format", "folder", "--out", "dataset", "--split", "80/10/10", "--seed", "7"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let root = lw.directory.appendingPathComponent("dataset")
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        while let item = enumerator.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(item).path, isDirectory: &isDir), !isDir.boolValue {
                files.append(item)
            }
        }
        XCTAssertEqual(files.count, 40)
        XCTAssertTrue(files.allSatisfy { $0.split(separator: "/").count == 3 }, "split/label/file: \(files)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: lw.directory.appendingPathComponent("etc").path))
        XCTAssertEqual(Set(files.filter { $0.contains("same") }).count, 2, "both same.jpg images are kept: \(files)")
        // Stratified: logo (10 images) and no_logo (30) each split about 80/10/10.
        XCTAssertEqual(files.filter { $0.hasPrefix("train/logo/") }.count, 8)
        XCTAssertEqual(files.filter { $0.hasPrefix("train/no_logo/") }.count, 24)
        // Rerun: nothing changes; splits are stable.
        let splits: [String] = try lw.query("SELECT split FROM export_split ORDER BY image_id")
        let again = try lw.run(["export", "--format", "folder", "--out", "dataset", "--seed", "7"])
        XCTAssertTrue(again.stdout.contains("0 written, 40 unchanged, 0 removed"), again.stdout)
        XCTAssertEqual(try lw.query("SELECT split FROM export_split ORDER BY image_id") as [String], splits)
        XCTAssertEqual(try lw.run(["export", "--format", "folder"]).status, 64)
        // A folder lw did not export to is never pruned without --force.
        let foreign = lw.directory.appendingPathComponent("mine/train/logo")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: foreign.appendingPathComponent("precious.jpg").path, contents: Data([1]))
        let refused = try lw.run(["export", "--format", "folder", "--out", "mine"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--force"), refused.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: foreign.appendingPathComponent("precious.jpg").path))
    }

    /// Every file under `root`, relative, sorted.
    static func files(under root: URL) -> [String] {
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let item = enumerator?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(item).path, isDirectory: &isDir), !isDir.boolValue {
                files.append(item)
            }
        }
        return files.sorted()
    }

    /// kill -9 at several points of a folder export (and of a re-export with
    /// --reshuffle), then the same command again: the folder an uninterrupted
    /// export makes, every image in exactly one split, no temporary file left.
    func testAKilledFolderExportIsFinishedByARerun() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo"])
        let paths = try lw.makeImages("photos", count: 300, size: (160, 120))
        try lw.run(["import", "photos", "--quiet"])
        var csv = "worker,source,label\n"
        for (i, path) in paths.enumerated() { csv += "a,\(path),\(i % 3 == 0 ? "logo" : "no_logo")\n" }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let root = lw.directory.appendingPathComponent("dataset")
        var partials = 0
        for (round, delay) in [2_000, 8_000, 20_000, 40_000].enumerated() {
            let command = ["export", "--format", "folder", "--out", "dataset", "--copy", "--seed", "3"] + (round % 2 == 1 ? ["--reshuffle"] : [])
            let process = try lw.start(command)
            if round == 0 {  // the first export: stopped once some files are in place
                let deadline = Date().addingTimeInterval(60)
                while Self.files(under: root).count < 30 && process.isRunning && Date() < deadline { usleep(500) }
            } else {
                usleep(UInt32(delay))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if Self.files(under: root).count != 300 { partials += 1 }
            let rerun = try lw.run(command)
            XCTAssertEqual(rerun.status, 0, "round \(round): \(rerun.stderr)")
            let files = Self.files(under: root)
            XCTAssertEqual(files.count, 300, "round \(round)")
            XCTAssertFalse(files.contains { $0.contains(".lw-") }, "no temporary file left")
            let names = files.map { ($0 as NSString).lastPathComponent }
            XCTAssertEqual(Set(names).count, 300, "each image in one split only")
            let splits: [String] = try lw.query("SELECT split || '/' || (SELECT name FROM label WHERE id = c.label_id) FROM export_split JOIN consensus AS c USING (image_id) ORDER BY image_id")
            XCTAssertEqual(Set(files.map { String($0.split(separator: "/").prefix(2).joined(separator: "/")) }), Set(splits), "files sit in their stored split")
        }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'export' AND status = 'running'"), 0)
        XCTAssertGreaterThan(partials, 0, "at least one kill left a partial folder")
    }
}
