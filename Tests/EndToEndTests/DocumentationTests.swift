import Foundation
import GRDB
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

    func testEveryCookbookQueryRuns() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo"])
        try lw.makeImages("photos", count: 4)
        XCTAssertTrue(FileManager.default.createFile(atPath: lw.directory.appendingPathComponent("photos/broken.jpg").path, contents: Data([0xFF, 0xD8, 0xFF, 0x00])))
        try lw.run(["import", "photos"])
        let blocks = Self.readme.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        XCTAssertGreaterThanOrEqual(blocks.count, 5)
        let queue = try DatabaseQueue(path: lw.database)
        for sql in blocks {
            try queue.read { db in
                let rows = try Row.fetchAll(db, sql: sql)
                _ = rows
            }
        }
    }
}
