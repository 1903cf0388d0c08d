import Foundation
import GRDB
import LabelWorkbench
import XCTest

/// The README is part of the product: every subcommand is documented, and every
/// query in its SQL cookbook runs against a real database.
final class DocumentationTests: XCTestCase {
    static var readme: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }

    func testEverySubcommandHasAReadmeSection() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        let help = try lw.run(["--help"]).stdout
        let section = help.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let names = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }.filter { $0 != "See" }
        XCTAssertFalse(names.isEmpty, help)
        for name in names {
            XCTAssertTrue(Self.readme.contains("### lw \(name)"), "README has no section for lw \(name)")
        }
    }

    static func document(_ relative: String) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)) ?? ""
    }

    /// Every query of the README's cookbook and of docs/cookbook.md, on a
    /// database that went through the loop: each runs, and each returns rows
    /// but those about events this small loop never has.
    func testEveryCookbookQueryRunsAndFindsRows() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "32:32", "--backbone", "off", "--target-accuracy", "0.7"]).status, 0)
        let specs = (0..<160).map { i -> SyntheticImages.Spec in
            var spec = SyntheticImages.Spec(width: 96, height: 72, withMark: i % 2 == 0, seed: UInt64(300 + i))
            spec.markScale = 0.3...0.4
            return spec
        }
        let names = try lw.writePhotos("photos", prefix: "p", specs: specs)
        XCTAssertTrue(FileManager.default.createFile(atPath: lw.directory.appendingPathComponent("photos/broken.jpg").path, contents: Data([0xFF, 0xD8, 0xFF, 0x00])))
        XCTAssertEqual(try lw.run(["import", "photos"]).status, 2)
        XCTAssertEqual(try lw.run(["workers", "add", "ann", "bob", "cat", "--token"]).status, 0)
        XCTAssertEqual(try lw.run(["assign", "--per-image", "3", "--limit", "40"]).status, 0)
        var csv = "worker,source,label\n"
        for (i, (name, spec)) in zip(names, specs).enumerated().prefix(120) {
            let truth = spec.withMark ? "logo" : "no_logo", other = spec.withMark ? "no_logo" : "logo"
            csv += "v1,\(name),\(truth)\nv2,\(name),\(truth)\nv3,\(name),\(i % 10 == 0 ? other : truth)\n"
        }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        XCTAssertEqual(try lw.run(["settings", "set", "--random-share", "0.3"]).status, 0)
        XCTAssertEqual(try lw.run(["train"]).status, 0)
        XCTAssertEqual(try lw.run(["auto-label"]).status, 0)
        // A worker checks one machine label (as a random pick would have it checked).
        let checked: [String] = try lw.query("SELECT i.source FROM machine_label AS m JOIN image AS i ON i.id = m.image_id ORDER BY i.id LIMIT 1")
        XCTAssertEqual(checked.count, 1, "the loop machine-labels some images")
        try "worker,source,label\nv1,\(checked[0]),logo\n".write(to: lw.directory.appendingPathComponent("check.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "check.csv"]).status, 0)
        let blocks = (Self.readme + Self.document("docs/cookbook.md")).components(separatedBy: "```sql\n").dropFirst()
            .map { $0.components(separatedBy: "```")[0] }
        XCTAssertGreaterThanOrEqual(blocks.count, 20)
        // Events this loop does not make: no tie, no revision, no kill, no browser, no near-duplicate, no expert, no image
        // labeled by humans after a model's prediction, no validation image the model gets wrong.
        let rare = ["tie = 1", "consensus.revise", "'interrupted'", "machine_label.withdraw", "r.command = 'serve'",
                    "v.label_id <> v.human_label_id", "p.label_id <> c.label_id", "near_duplicate", "settled_by_expert = 1"]
        let queue = try DatabaseQueue(path: lw.database)
        for sql in blocks {
            let rows = try queue.read { try Row.fetchAll($0, sql: sql) }
            if !rare.contains(where: sql.contains) { XCTAssertFalse(rows.isEmpty, "no rows from:\n\(sql)") }
        }
    }

    func testTheReadmeStaysAUsersDocument() {
        XCTAssertLessThanOrEqual(Self.readme.utf8.count, 20_480, "README.md: how the model works goes to docs/model.md, results to bench/README.md")
    }
}
