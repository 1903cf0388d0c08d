import Foundation
import GRDB
import LabelWorkbench
import XCTest

/// `lw suspects` finds labels flipped on purpose, and a second look by an
/// expert fixes them through the normal vote path.
final class SuspectsTests: XCTestCase {
    func testFlippedLabelsRankFirstAndAnExpertsSecondLookFixesThem() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "mark,none", "--features", "64:64"]).status, 0)
        let specs = (0..<240).map { i in
            var spec = SyntheticImages.Spec(width: 160, height: 120, withMark: i % 2 == 0, seed: UInt64(7000 + i))
            spec.markScale = 0.3...0.45  // an easy task: the model's confident calls are right
            return spec
        }
        let names = try lw.writePhotos("photos", prefix: "s", specs: specs)
        let truth = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0 % 2 == 0 ? "mark" : "none") })
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        // Three workers agree on every image; on six they all give the wrong label.
        let flipped = Set(names.sorted().enumerated().filter { $0.offset % 40 == 5 }.map(\.element))
        XCTAssertEqual(flipped.count, 6)
        var csv = "worker,source,label\n"
        for name in names.sorted() {
            let label = flipped.contains(name) ? (truth[name] == "mark" ? "none" : "mark") : truth[name]!
            for worker in ["ann1", "ann2", "ann3"] { csv += "\(worker),\(name),\(label)\n" }
        }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let train = try lw.run(["train"])
        XCTAssertEqual(train.status, 0, train.stderr)

        let listed = try lw.run(["suspects", "--format", "csv", "--limit", "8"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "image_id,source,label,suggested_label,score,reasons")
        let top = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        let topNames = Set(top.map { ($0[1] as NSString).lastPathComponent })
        XCTAssertEqual(topNames, flipped, "the flipped labels, and only they, have a reason to be listed: \(listed.stdout)")
        XCTAssertTrue(top.allSatisfy { $0[2] != $0[3] }, listed.stdout)
        XCTAssertTrue(top.filter { flipped.contains(($0[1] as NSString).lastPathComponent) }.allSatisfy { $0[5].contains("model") })

        // A second look: the expert gets each of them and answers the truth.
        XCTAssertEqual(try lw.run(["workers", "add", "carol", "--expert"]).status, 0)
        let assign = try lw.run(["assign", "--strategy", "suspects", "--per-image", "1", "--limit", "8"])
        XCTAssertEqual(assign.status, 0, assign.stderr)
        XCTAssertTrue(assign.stdout.contains("6 suspects get a second look"), assign.stdout)
        let open = try lw.run(["assignments", "--open", "--worker", "carol", "--format", "csv"]).stdout
        var answers = "assignment_id,label\n"
        for line in open.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            answers += "\(f[0]),\(truth[(f[3] as NSString).lastPathComponent]!)\n"
        }
        try answers.write(to: lw.directory.appendingPathComponent("answers.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["review", "--answers", "answers.csv"]).status, 0)
        XCTAssertEqual(try lw.run(["consensus"]).status, 0)

        let fixed: [Row] = try DatabaseQueue(path: lw.database).read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.source, l.name AS label, c.settled_by_expert, c.confidence FROM consensus c
                JOIN image i ON i.id = c.image_id JOIN label l ON l.id = c.label_id WHERE c.settled_by_expert = 1
                """)
        }
        XCTAssertEqual(Set(fixed.map { ($0["source"] as String as NSString).lastPathComponent }), topNames)
        XCTAssertTrue(fixed.allSatisfy { truth[($0["source"] as String as NSString).lastPathComponent] == $0["label"] as String })
        XCTAssertTrue(fixed.allSatisfy { $0["confidence"] as Double == 1 }, "an expert's word is certain")
        let after = try lw.run(["suspects", "--format", "csv", "--all"])
        XCTAssertFalse(topNames.contains { after.stdout.contains($0) }, "settled images are never listed again")
        XCTAssertTrue(after.stderr.contains("6 suspects had a second look"), after.stderr)
        // The next model scores the settled images no more, and validates on them as certain.
        XCTAssertEqual(try lw.run(["train"]).status, 0)
        XCTAssertEqual(try lw.scalar("""
            SELECT count(*) FROM suspect s JOIN consensus c ON c.image_id = s.image_id
            WHERE s.model_id = (SELECT max(id) FROM model) AND c.settled_by_expert = 1
            """), 0)
        XCTAssertEqual(try lw.scalar("""
            SELECT count(*) FROM model_validation v JOIN consensus c ON c.image_id = v.image_id
            WHERE v.model_id = (SELECT max(id) FROM model) AND c.settled_by_expert = 1 AND v.label_right NOT IN (0, 1)
            """), 0)
    }

    /// `lw suspects` walks the score index of the latest model in order: no
    /// sort of all suspects, however many human labels there are.
    func testTheSuspectListWalksTheScoreIndex() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "a,b"]).status, 0)
        let sql = "EXPLAIN QUERY PLAN " + Suspects.currentSQL(all: false).replacingOccurrences(of: "LIMIT ?", with: "LIMIT 50")
        let plan = try DatabaseQueue(path: lw.database).read { db in try Row.fetchAll(db, sql: sql).map { $0["detail"] as String } }
        XCTAssertTrue(plan.contains { $0.contains("suspect_by_score") }, plan.joined(separator: " | "))
        XCTAssertFalse(plan.contains { $0.contains("TEMP B-TREE FOR ORDER BY") }, plan.joined(separator: " | "))
    }

    /// A second look before any model scored the labels: a one-line refusal, nothing written.
    func testASecondLookBeforeTrainingIsRefused() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "a,b"]).status, 0)
        XCTAssertEqual(try lw.run(["workers", "add", "ann", "bob"]).status, 0)
        let before = try lw.contentDigest()
        let refused = try lw.run(["assign", "--strategy", "suspects", "--per-image", "2", "--limit", "10"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("no human labels scored yet: run `lw train` first"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        let listed = try lw.run(["suspects"])
        XCTAssertEqual(listed.status, 1)
        XCTAssertTrue(listed.stderr.contains("run `lw train` first"), listed.stderr)
        XCTAssertEqual(try lw.contentDigest(), before)
    }
}
