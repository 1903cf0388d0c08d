import Foundation
import GRDB
import LabelWorkbench
import XCTest

/// A rare mark, a third of it too small for the model to see: the model's
/// "no_logo" labels would hide marks. lw holds those back for humans until
/// the mark's recall bound meets its target, and says so.
final class RecallTests: XCTestCase {
    func testNoLogoMachineLabelsThatWouldHideTheRareLabelAreHeldBack() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "64:64", "--backbone", "off",
                                   "--target-accuracy", "0.9"]).status, 0)
        let specs = (0..<480).map { i in
            var spec = SyntheticImages.Spec(width: 128, height: 96, withMark: i % 8 == 0, seed: UInt64(9000 + i))
            // Every third mark is a few pixels wide: invisible at 64 px, a logo all the same.
            spec.markScale = i % 24 == 0 ? 0.03...0.05 : 0.15...0.3
            return spec
        }
        let names = try lw.writePhotos("photos", prefix: "r", specs: specs)
        let truth = Dictionary(uniqueKeysWithValues: zip(names, specs.map { $0.withMark ? "logo" : "no_logo" }))
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        // Two right votes on 320 images (imported votes: all of them validate).
        var csv = "worker,source,label\n"
        for name in names.prefix(320) { csv += "ann1,\(name),\(truth[name]!)\nann2,\(name),\(truth[name]!)\n" }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let train = try lw.run(["train"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertGreaterThan(try lw.scalar("""
            SELECT count(*) FROM model_recall_band AS b JOIN label AS l ON l.id = b.label_id WHERE l.name = 'logo'
            """), 1, "the model stores its validation in bands by its probability of each label")

        let guarded = try lw.run(["auto-label"])
        XCTAssertEqual(guarded.status, 0, guarded.stderr)
        XCTAssertTrue(guarded.stdout.contains("held back"), guarded.stdout)
        let heldBack = try lw.scalar("SELECT held_back FROM machine_label_quality WHERE label = 'logo'")
        XCTAssertGreaterThan(heldBack, 0)
        let bound: [Double] = try lw.query("SELECT recall_lower_bound FROM machine_label_quality WHERE label = 'logo'")
        XCTAssertGreaterThanOrEqual(bound.first ?? 0, 0.9, "the bound meets the target once no_logo labels are held back")
        let status = try lw.run(["status"]).stdout
        XCTAssertTrue(status.contains("recall (≥ bound)") && status.contains("logo"), status)
        let json = try JSONSerialization.jsonObject(with: Data(try lw.run(["status", "--json"]).stdout.utf8)) as! [String: Any]
        let quality = json["machine_label_quality"] as? [String: [String: Any]]
        XCTAssertNotNil(quality?["logo"]?["recall_lower_bound"] as? Double, "\(json)")
        let swallowedGuarded = try swallowedMarks(lw, truth: truth)

        // The same model asked for little recall labels more and hides more marks; rerunning changes nothing.
        XCTAssertEqual(try lw.run(["settings", "set", "--target-recall", "logo=0.5"]).status, 0)
        XCTAssertEqual(try lw.run(["auto-label"]).status, 0)
        XCTAssertEqual(try lw.scalar("SELECT held_back FROM machine_label_quality WHERE label = 'logo'"), 0)
        let swallowedLoose = try swallowedMarks(lw, truth: truth)
        XCTAssertGreaterThan(swallowedLoose, swallowedGuarded, "the guard kept marks away from no_logo machine labels")
        let audit = try lw.scalar("SELECT count(*) FROM audit_event")
        let estimates: [String] = try lw.query("SELECT json_array(label_id, threshold, recall, run_id) FROM machine_label_estimate")
        XCTAssertTrue(try lw.run(["auto-label"]).stdout.contains("+0, revised 0, withdrawn 0"))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event"), audit)
        XCTAssertEqual(try lw.query("SELECT json_array(label_id, threshold, recall, run_id) FROM machine_label_estimate") as [String], estimates)

        // Bad values: one line each, nothing changed.
        for bad in ["1.5", "cat=0.9", "logo=x"] {
            let refused = try lw.run(["settings", "set", "--target-recall", bad])
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("--target-recall"), refused.stderr)
        }
        XCTAssertEqual(try lw.query("SELECT target_recall FROM label WHERE name = 'logo'") as [Double], [0.5])
    }

    /// Marks (by the truth) that carry a no_logo machine label.
    private func swallowedMarks(_ lw: LWRunner, truth: [String: String]) throws -> Int {
        let rows: [String] = try lw.query("""
            SELECT i.source FROM machine_label AS m JOIN image AS i ON i.id = m.image_id JOIN label AS l ON l.id = m.label_id
            WHERE l.name = 'no_logo'
            """)
        return rows.filter { truth[URL(fileURLWithPath: $0).lastPathComponent] == "logo" }.count
    }
}
