import Foundation
import LabelWorkbench
import XCTest

/// `lw duplicates`: resized and re-encoded copies are grouped with their
/// originals, a group with different labels comes first, and images imported
/// without a hash get one.
final class DuplicatesTests: XCTestCase {
    func testCopiesAreGroupedConflictsFirstAndMissingHashesAreComputed() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "mark,none"]).status, 0)
        let specs = (0..<30).map { SyntheticImages.Spec(width: 320, height: 240, withMark: $0 % 2 == 0, seed: UInt64(500 + $0)) }
        let names = try lw.writePhotos("photos", prefix: "p", specs: specs)
        // Copies of p0003, p0010 and p0021: half size at quality 70, another PNG at full size.
        let copies = lw.directory.appendingPathComponent("copies")
        try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true)
        for i in [3, 10, 21] {
            let picture = SyntheticImages.render(specs[i])
            try Data(try JPEGCodec.encode(Resize.area(picture, width: 160, height: 120), quality: 70))
                .write(to: copies.appendingPathComponent("small-\(names[i])"))
            try Data(try PNGCodec.encode(picture)).write(to: copies.appendingPathComponent("png-\(names[i]).png"))
        }
        XCTAssertEqual(try lw.run(["import", "photos", "copies", "--quiet"]).status, 0)
        // Every original labeled right; p0010's copy is labeled differently from its original.
        var votes = "worker,source,label\nann,small-p0010.jpg,none\n"
        for (i, name) in names.enumerated() { votes += "ann,\(name),\(i % 2 == 0 ? "mark" : "none")\n" }
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)

        let listed = try lw.run(["duplicates", "--format", "csv"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.first, ["group", "image_id", "source", "label"])
        var groups: [String: Set<String>] = [:]
        for row in rows.dropFirst() { groups[row[0], default: []].insert((row[2] as NSString).lastPathComponent) }
        let firstGroup = rows[1][0]
        XCTAssertEqual(Set(groups.values), [
            ["p0003.jpg", "small-p0003.jpg", "png-p0003.jpg.png"], ["p0010.jpg", "small-p0010.jpg", "png-p0010.jpg.png"],
            ["p0021.jpg", "small-p0021.jpg", "png-p0021.jpg.png"],
        ], listed.stdout)
        XCTAssertEqual(groups[firstGroup], ["p0010.jpg", "small-p0010.jpg", "png-p0010.jpg.png"], "the group with different labels first")
        XCTAssertTrue(listed.stderr.contains("3 groups of near-duplicates, 1 with different labels"), listed.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM near_duplicate"), 9)
        XCTAssertEqual(try lw.scalar("SELECT count(DISTINCT group_id) FROM near_duplicate"), 3)
        XCTAssertEqual(try lw.scalar("""
            SELECT count(*) FROM run WHERE command = 'duplicates' AND json_extract(counts, '$.hashed') = 0
            """), 1, "every hash came with the import; the groups are stored")

        // A database from before the hash: lw duplicates computes the missing ones, once.
        try lw.execute("UPDATE image SET perceptual_hash = NULL WHERE id % 2 = 0")
        let again = try lw.run(["duplicates", "--format", "csv"])
        XCTAssertEqual(again.stdout, listed.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image WHERE perceptual_hash IS NULL"), 0)
        XCTAssertEqual(try lw.scalar("""
            SELECT count(*) FROM run WHERE command = 'duplicates' AND status = 'succeeded' AND json_extract(counts, '$.hashed') = 18
            """), 1)
        XCTAssertEqual(try lw.run(["duplicates"]).status, 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'duplicates'"), 2, "nothing to hash, the same groups: no run")

        // The two labels of p0010's group make both suspects.
        XCTAssertEqual(try lw.run(["train"]).status, 0)

        let suspects = try lw.run(["suspects", "--format", "csv"])
        XCTAssertEqual(suspects.status, 0, suspects.stderr)
        let flagged = suspects.stdout.split(separator: "\n").dropFirst().filter { $0.hasSuffix("near_duplicate") }
            .map { (String($0.split(separator: ",")[1]) as NSString).lastPathComponent }
        XCTAssertEqual(Set(flagged), ["p0010.jpg", "small-p0010.jpg"], suspects.stdout)
    }
}
