import Foundation
import LabelWorkbench
import XCTest

/// `lw references`: pictures of what a label looks like, checked as `lw import`
/// checks images, stored whole and audited, and never images of the job.
final class ReferencesTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws { lw = try LWRunner.make() }
    override func tearDown() { lw.cleanUp() }

    /// Writes `name` in the test folder: a rendered JPEG or PNG (by extension) of `size`.
    @discardableResult
    func picture(_ name: String, size: (Int, Int) = (80, 60), seed: UInt64 = 7) throws -> String {
        let image = SyntheticImages.render(.init(width: size.0, height: size.1, withMark: true, seed: seed))
        let bytes = name.hasSuffix(".png") ? try PNGCodec.encode(image) : try JPEGCodec.encode(image, quality: 90)
        try write(name, Data(bytes))
        return name
    }

    func write(_ name: String, _ data: Data) throws {
        try data.write(to: lw.directory.appendingPathComponent(name))
    }

    func references() throws -> Int { try lw.scalar("SELECT count(*) FROM reference") }

    func testAddListRemoveAndAddingTheSameFileTwiceStoresOne() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,badge,none"]).status, 0)
        try picture("logo.png")
        try picture("crop.jpg", seed: 8)
        try picture("badge.jpg", seed: 9)
        let added = try lw.run(["references", "add", "logo.png", "crop.jpg"])
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(added.stdout.contains("added reference 1: logo.png (80×60)"), added.stdout)
        XCTAssertEqual(try lw.run(["references", "add", "badge.jpg", "--label", "badge"]).status, 0)

        let again = try lw.run(["references", "add", "crop.jpg"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("crop.jpg is already reference 2; nothing changed"), again.stdout)
        XCTAssertEqual(try references(), 3)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'references add'"), 2, "a rerun that adds nothing starts no run")

        let listed = try lw.run(["references", "list"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("logo.png") && listed.stdout.contains("80×60") && listed.stdout.contains("tester"), listed.stdout)
        let json = try lw.run(["references", "list", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(rows.map { $0["label"] as? String }, ["logo", "logo", "badge"])
        XCTAssertEqual(rows[0]["source"] as? String, "logo.png")
        XCTAssertEqual(rows[0]["format"] as? String, "png")
        XCTAssertEqual(rows[1]["width"] as? Int, 80)
        XCTAssertEqual((rows[0]["sha256"] as? String)?.count, 64)
        XCTAssertEqual(rows[2]["added_by"] as? String, "tester")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM reference WHERE length(bytes) > 0 AND added_at LIKE '20%Z'"), 3)

        let removed = try lw.run(["references", "remove", "2"])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(try lw.query("SELECT source FROM reference ORDER BY id") as [String], ["logo.png", "badge.jpg"])
        let unknown = try lw.run(["references", "remove", "2"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("lw references list"), unknown.stderr)

        XCTAssertEqual(try lw.query("SELECT action FROM audit_event WHERE entity = 'reference' ORDER BY id") as [String],
                       ["reference.add", "reference.add", "reference.add", "reference.remove"])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'reference.remove' AND before LIKE '%crop.jpg%'"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command LIKE 'references %' AND status = 'succeeded'"), 3)
    }

    func testInitStoresReferencesInItsOwnRun() throws {
        try picture("a.png")
        try picture("b.jpg", seed: 3)
        let created = try lw.run(["init", "--labels", "logo,no_logo", "--reference", "a.png", "--reference", "b.jpg"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(try lw.query("SELECT l.name FROM reference r JOIN label l ON l.id = r.label_id") as [String], ["logo", "logo"])
        XCTAssertEqual(try lw.scalar("SELECT count(DISTINCT run_id) FROM reference"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'reference.add' AND run_id = 1"), 2)
        // The same init again changes nothing; a bad reference at init creates no job.
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--reference", "a.png"]).status, 0)
        XCTAssertEqual(try references(), 2)
        try picture("c.jpg", seed: 4)
        let another = try lw.run(["init", "--labels", "logo,no_logo", "--reference", "c.jpg"])
        XCTAssertEqual(another.status, 1, "a rerun of init adds no reference")
        XCTAssertTrue(another.stderr.contains("lw references add"), another.stderr)
        XCTAssertEqual(try references(), 2)
        try write("broken.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]))
        let refused = try lw.run(["init", "--labels", "logo,no_logo", "--db", "other.db", "--reference", "broken.png"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("broken.png"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lw.directory.appendingPathComponent("other.db").path), "files are checked before the database is made")
    }

    func testEachBadInputIsOneLineNonZeroAndStoresNothing() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--max-megapixels", "1"]).status, 0)
        try picture("good.jpg")
        try write("corrupt.jpg", Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01]))
        try write("text.png", Data("not a picture\n".utf8))
        try picture("tiny.png", size: (40, 12))
        try picture("huge.jpg", size: (1100, 1000))
        let cases: [(arguments: [String], mentions: String)] = [
            (["good.jpg", "corrupt.jpg"], "corrupt.jpg"),
            (["good.jpg", "text.png"], "text.png"),
            (["good.jpg", "tiny.png"], "16 pixels"),
            (["good.jpg", "huge.jpg"], "--max-megapixels"),
            (["good.jpg", "missing.jpg"], "missing.jpg"),
            (["good.jpg", "--label", "badge"], "badge"),
            (["good.jpg", "--label", "no_logo"], "absence"),
        ]
        for (arguments, mentions) in cases {
            let result = try lw.run(["references", "add"] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(mentions), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
            XCTAssertEqual(try references(), 0, "\(arguments)")
        }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'references add'"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'reference.add'"), 0)
    }

    func testAReferenceIsNeverAnImageOfTheJob() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo"]).status, 0)
        let paths = try lw.makeImages("photos", count: 4)
        XCTAssertEqual(try lw.run(["import", "photos"]).status, 0)
        try picture("logo.png")
        // The same content as an imported image is still a reference, and stays out of `image`.
        XCTAssertEqual(try lw.run(["references", "add", "logo.png", paths[0]]).status, 0)
        XCTAssertEqual(try references(), 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 4)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image WHERE source LIKE '%logo.png'"), 0)
        let status = try JSONSerialization.jsonObject(with: Data(try lw.run(["status", "--json"]).stdout.utf8)) as! [String: Any]
        XCTAssertEqual(status["total"] as? Int, 4)
        var votes = "worker,source,label\n"
        for path in paths { for w in ["v1", "v2", "v3"] { votes += "\(w),\"\(path)\",logo\n" } }
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        let imported = try lw.run(["votes", "import", "votes.csv"])
        XCTAssertEqual(imported.status, 0, imported.stderr + imported.stdout)
        let exported = try lw.run(["export", "--format", "csv"])
        XCTAssertEqual(exported.stdout.split(separator: "\n").count, 5, exported.stdout)
        XCTAssertFalse(exported.stdout.contains("logo.png"), exported.stdout)
        // Nothing to assign: the four images are labeled, and a reference is never queued.
        XCTAssertEqual(try lw.run(["workers", "add", "ann"]).status, 0)
        _ = try lw.run(["assign", "--per-image", "1"])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment"), 0)
    }
}
