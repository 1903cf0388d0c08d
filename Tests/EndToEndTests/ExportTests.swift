import Foundation
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
}
