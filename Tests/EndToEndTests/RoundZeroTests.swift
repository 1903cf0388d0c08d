import Foundation
import GRDB
import LabelWorkbench
import XCTest

/// A rare mark (5% of the images) and the user's picture of it: before any
/// human label, `lw assign` trains the round-0 reference model, ranks every
/// image with it and sends the likeliest to people beside the random picks.
final class RoundZeroTests: XCTestCase {
    func testTheFirstRoundSeeksTheRareLabelWithTheReference() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        // The reference: the mark filling a small picture, as a user would crop it from a photo.
        var crop = SyntheticImages.Spec(width: 64, height: 64, withMark: true, seed: 77)
        crop.markScale = 0.85...0.95
        FileManager.default.createFile(atPath: lw.directory.appendingPathComponent("mark.png").path,
                                       contents: Data(try PNGCodec.encode(SyntheticImages.render(crop))))
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "64:64", "--reference", "mark.png"]).status, 0)
        let specs = (0..<240).map { i in
            var spec = SyntheticImages.Spec(width: 128, height: 96, withMark: i % 20 == 3, seed: UInt64(31_000 + i))
            spec.markScale = 0.2...0.35
            return spec
        }
        let names = try lw.writePhotos("photos", prefix: "z", specs: specs)
        let truth = Dictionary(uniqueKeysWithValues: zip(names, specs.map { $0.withMark }))
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        XCTAssertEqual(try lw.run(["workers", "add", "a", "b"]).status, 0)

        let assign = try lw.run(["assign", "--per-image", "1", "--limit", "24", "--json"])
        XCTAssertEqual(assign.status, 0, assign.stderr)
        XCTAssertTrue(assign.stderr.contains("round 0"), assign.stderr)
        XCTAssertTrue(assign.stdout.contains("\"strategy\":\"reference\""), assign.stdout)
        // The reference model ranks but never labels: no threshold, no validation, no machine label.
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model") as [String], ["reference-head"])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model WHERE threshold IS NOT NULL"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model_validation"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM machine_label"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM prediction"), 240, "every image ranked")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM reference_head"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command IN ('train', 'auto-label') AND status = 'succeeded'"), 2)

        let picked: [String] = try lw.query("SELECT i.source FROM assignment AS a JOIN image AS i ON i.id = a.image_id")
        XCTAssertEqual(picked.count, 24)
        let marks = picked.filter { truth[URL(fileURLWithPath: $0).lastPathComponent] == true }.count
        // 12 images (5%) show the mark; a random round of 24 would hold about one. Half the round is random (validation).
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE reason = 'random'"), 12)
        XCTAssertGreaterThanOrEqual(marks, 7, "round 1 holds the likeliest images: \(marks) of 24 show the mark")

        // Rerunning changes nothing; a second assign after the model exists does not train again.
        XCTAssertEqual(try lw.run(["assign", "--per-image", "1", "--limit", "24"]).status, 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment"), 24)

        // With human labels the reference head joins the model as an expert, weighed out of fold;
        // only human-labeled images validate.
        let voted = names.enumerated().filter { $0.offset < 100 || truth[$0.element]! }.map(\.element)
        let votes = voted.map { "c,\($0),\(truth[$0]! ? "logo" : "no_logo")\nd,\($0),\(truth[$0]! ? "logo" : "no_logo")\n" }.joined()
        try ("worker,source,label\n" + votes).write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        // The round's workers answer as the truth says.
        let open: [String] = try lw.query("SELECT a.id || ',' || i.source FROM assignment AS a JOIN image AS i ON i.id = a.image_id WHERE a.status = 'open'")
        let answers = open.map { line -> String in
            let parts = line.split(separator: ",", maxSplits: 1).map(String.init)
            return "\(parts[0]),\(truth[URL(fileURLWithPath: parts[1]).lastPathComponent]! ? "logo" : "no_logo")\n"
        }.joined()
        try ("assignment_id,label\n" + answers).write(to: lw.directory.appendingPathComponent("answers.csv"), atomically: true, encoding: .utf8)
        let review = try lw.run(["review", "--answers", "answers.csv"])
        XCTAssertEqual(review.status, 0, review.stderr)
        let train = try lw.run(["train"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model ORDER BY id DESC LIMIT 1") as [String], ["softmax-regression-l2+backbone+reference"])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.reference.weight_chosen_by') FROM model ORDER BY id DESC LIMIT 1") as [String],
                       ["out-of-fold AUC"])
        let aucReference: [Double] = try lw.query("SELECT json_extract(metrics, '$.auc_reference') FROM model ORDER BY id DESC LIMIT 1")
        XCTAssertGreaterThan(aucReference.first ?? 0, 0.7, "the reference head alone ranks the labeled images")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model_validation WHERE image_id NOT IN (SELECT image_id FROM consensus)"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM reference_head"), 1, "made once, reused")
        XCTAssertEqual(try lw.run(["auto-label"]).status, 0)

        // The next round gives the random sample back the 12 images round 0 sent as the likeliest.
        let next = try lw.run(["assign", "--per-image", "1", "--limit", "20", "--json"])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertTrue(next.stdout.contains("\"strategy\":\"uncertain\""), next.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE reason = 'random' AND status = 'open'"), 12)
    }
}
