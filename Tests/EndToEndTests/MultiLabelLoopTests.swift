import Foundation
import GRDB
import LabelWorkbench
import XCTest

/// lw is for any single-label classification, not only yes/no: three labels
/// (two marks and their absence, listed last) through votes, train,
/// auto-label, assign and export with the default model (filters and the
/// backbone's head, which scores each mark and leaves "none" as the reference).
final class MultiLabelLoopTests: XCTestCase {
    func testThreeLabelsTrainAutoLabelAndExport() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "ring,cross,none", "--features", "64:64", "--target-accuracy", "0.9"]).status, 0)
        let labels = ["ring", "cross", "none"]
        let imageLabels = (0..<360).map { labels[$0 % 3] }
        let specs = imageLabels.enumerated().map { i, label in
            var spec = SyntheticImages.Spec(width: 128, height: 96, withMark: label != "none", seed: UInt64(9000 + i))
            spec.markShape = label == "cross" ? .cross : .ringWithBar
            return spec
        }
        let truth = Dictionary(uniqueKeysWithValues: zip(try lw.writePhotos("photos", prefix: "m", specs: specs), imageLabels))
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)

        // Three workers on 270 images: two always right, one right 80% of the time (else another label).
        var csv = "worker,source,label\n"
        var rng = SeededGenerator(seed: 11)
        for name in truth.keys.sorted().prefix(270) {
            let t = truth[name]!
            let others = labels.filter { $0 != t }
            let third = rng.unit() < 0.8 ? t : others[Int(rng.next() % 2)]
            csv += "ann1,\(name),\(t)\nann2,\(name),\(t)\nann3,\(name),\(third)\n"
        }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)

        let train = try lw.run(["train", "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model") as [String], ["softmax-regression-l2+backbone"])
        let thresholds: [String] = try lw.query("SELECT class_thresholds FROM model")
        let perLabel = (try JSONSerialization.jsonObject(with: Data(thresholds[0].utf8)) as? [String: Any]) ?? [:]
        XCTAssertEqual(Set(perLabel.keys), Set(labels), "a threshold (or null) for each of the three labels: \(thresholds)")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model WHERE threshold IS NOT NULL"), 1, "the model may label: \(train.stdout)")
        // AUC for three labels: each label's against the rest, averaged (chance 0.5).
        let aucs: [Double] = try lw.query("""
            SELECT json_extract(metrics, '$.auc') FROM model UNION ALL SELECT json_extract(metrics, '$.auc_filters') FROM model
            UNION ALL SELECT json_extract(metrics, '$.auc_backbone') FROM model
            """)
        XCTAssertTrue(aucs.count == 3 && aucs.allSatisfy { $0 > 0.7 && $0 <= 1 }, "combined, filters and backbone rank the labels: \(aucs)")
        // The head scores each mark but the last label ("none"), the reference.
        let head: [String] = try lw.query("SELECT json_extract(parameters, '$.backbone.head') FROM model")
        XCTAssertEqual(head, [MILHead.version])

        XCTAssertEqual(try lw.run(["auto-label"]).status, 0)
        let machine: [Row] = try DatabaseQueue(path: lw.database).read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.source, s.label FROM image_status s JOIN image i ON i.id = s.image_id WHERE s.status = 'machine_labeled'
                """)
        }
        XCTAssertGreaterThan(machine.count, 20, "a good part of the 90 unlabeled images is machine-labeled")
        let correct = machine.filter { truth[($0["source"] as String).components(separatedBy: "/").last!] == $0["label"] as String }.count
        XCTAssertGreaterThanOrEqual(Double(correct) / Double(machine.count), 0.9, "machine labels meet the target")
        XCTAssertGreaterThanOrEqual(Set(machine.map { $0["label"] as String }).count, 2, "more than one label is given by the machine")

        // The rest (if the model left any) goes to humans, least confident first; the export has all three labels.
        XCTAssertEqual(try lw.run(["workers", "add", "h1"]).status, 0)
        let next = try lw.run(["assign", "--per-image", "1", "--limit", "10", "--json"])
        let left = try lw.scalar("SELECT count(*) FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL")
        XCTAssertEqual(left, 90 - machine.count, "every image the machine did not label is ranked for humans")
        if left > 0 { XCTAssertTrue(next.stdout.contains("\"strategy\":\"uncertain\""), next.stdout) }
        let export = try lw.run(["export", "--format", "csv"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let rows = export.stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 270 + machine.count)
        XCTAssertEqual(Set(rows.map { $0.split(separator: ",")[2] }), Set(labels.map { Substring($0) }))
        let status = try lw.run(["status"]).stdout
        XCTAssertTrue(labels.allSatisfy { status.contains($0) }, status)
    }

    /// An external three-label model (per-label scores, 97% right): thresholds found on the
    /// human labels, machine labels for the rest, every label among them.
    func testThreeLabelExternalPredictions() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "cat,dog,bird"]).status, 0)
        let paths = try lw.makeImages("photos", count: 240, size: (32, 24))
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        let labels = ["cat", "dog", "bird"]
        var votes = "worker,source,label\n", lines = ""
        var rng = SeededGenerator(seed: 3)
        var wrongUnvoted = 0
        for (i, path) in paths.enumerated() {
            let truth = labels[i % 3]
            let guess = rng.unit() < 0.97 ? truth : labels[(i + 1) % 3]
            if i < 160 {
                for worker in ["ann1", "ann2", "ann3"] { votes += "\(worker),\(path),\(truth)\n" }
            } else if guess != truth {
                wrongUnvoted += 1
            }
            let scores = labels.map { "\"\($0)\": \($0 == guess ? 0.98 : 0.01)" }.joined(separator: ", ")
            lines += "{\"source-ref\": \"\(path)\", \"scores\": {\(scores)}}\n"
        }
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        try lines.write(to: lw.directory.appendingPathComponent("preds.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let imported = try lw.run(["predictions", "import", "preds.jsonl"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(try lw.scalar("SELECT validation_size FROM model"), 160)
        let auc: [Double] = try lw.query("SELECT auc FROM model_summary")
        XCTAssertTrue(auc.count == 1 && auc[0] > 0.9, "a 97%-right model ranks the three labels: \(auc)")
        let auto = try lw.run(["auto-label"])
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM machine_label"), 80, imported.stdout + auto.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(DISTINCT label_id) FROM machine_label"), 3)
        let truthOf = Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($1, labels[$0 % 3]) })
        let machine: [Row] = try DatabaseQueue(path: lw.database).read { db in
            try Row.fetchAll(db, sql: "SELECT i.path, l.name FROM machine_label m JOIN image i ON i.id = m.image_id JOIN label l ON l.id = m.label_id")
        }
        XCTAssertEqual(machine.filter { truthOf[$0["path"] as String] != $0["name"] as String }.count, wrongUnvoted,
                       "the machine labels are the file's calls")
    }
}
