import Foundation
import GRDB
import XCTest

final class PredictionsImportTests: XCTestCase {
    /// 200 images; three outside annotators agree on the first 150 (the truth: even index = logo).
    func jobWithAgreedVotes(voted: Int = 150, initOptions: [String] = []) throws -> (LWRunner, [String]) {
        let lw = try LWRunner.make()
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo"] + initOptions).status, 0)
        let paths = try lw.makeImages("photos", count: 200, size: (40, 30))
        try lw.run(["import", "photos", "--quiet"])
        var votes = "worker,source,label\n"
        for (i, path) in paths.enumerated().prefix(voted) {
            for worker in ["ann1", "ann2", "ann3"] { votes += "\(worker),\(path),\(i % 2 == 0 ? "logo" : "no_logo")\n" }
        }
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        return (lw, paths)
    }

    func testExternalPredictionsGetAThresholdAndAutoLabel() throws {
        let (lw, paths) = try jobWithAgreedVotes()
        defer { lw.cleanUp() }
        // An external model that is right and confident on every image.
        var lines = ""
        for (i, path) in paths.enumerated() {
            let name = (path as NSString).lastPathComponent
            lines += i % 3 == 0
                ? "{\"source-ref\": \"\(name)\", \"label\": \"\(i % 2 == 0 ? "logo" : "no_logo")\", \"confidence\": 0.99}\n"
                : "{\"source-ref\": \"\(path)\", \"scores\": {\"logo\": \(i % 2 == 0 ? 0.98 : 0.02), \"no_logo\": \(i % 2 == 0 ? 0.02 : 0.98)}}\n"
        }
        try lines.write(to: lw.directory.appendingPathComponent("preds.jsonl"), atomically: true, encoding: .utf8)
        let imported = try lw.run(["predictions", "import", "preds.jsonl"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("threshold"), imported.stdout)
        XCTAssertTrue(try lw.run(["predictions", "import", "preds.jsonl"]).stdout.contains("nothing imported"))
        let auto = try lw.run(["auto-label"])
        XCTAssertEqual(auto.status, 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM machine_label"), 50, imported.stdout + auto.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model WHERE kind = 'external'"), 1)
        // Its evidence: the 150 voted images the file predicts, all right and all covered.
        let evidence: [Row] = try DatabaseQueue(path: lw.database).read { try Row.fetchAll($0, sql: "SELECT * FROM threshold_evidence") }
        XCTAssertEqual(evidence.map { $0["validation_items"] as Int }.reduce(0, +), 150)
        XCTAssertEqual(evidence.map { $0["covered_items"] as Int }.reduce(0, +), 150)
        XCTAssertEqual(evidence.map { $0["covered_against_consensus"] as Int }, [0, 0])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.bound') FROM model") as [String], ["wilson one-sided 0.95 (z=1.645)"])

        // Every image has a label: a round gives humans nothing new, with or without --limit.
        XCTAssertEqual(try lw.run(["workers", "add", "h1", "h2", "h3"]).status, 0)
        XCTAssertEqual(try lw.run(["assign", "--per-image", "3"]).status, 0)
        XCTAssertEqual(try lw.run(["assign", "--per-image", "3", "--limit", "100"]).status, 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment"), 0)
        // Random picks asked for: the next images in the job's random order, machine-labeled ones (an audit).
        XCTAssertEqual(try lw.run(["assign", "--strategy", "random", "--per-image", "3", "--limit", "5"]).status, 0)
        XCTAssertEqual(try lw.query("SELECT DISTINCT image_id FROM assignment ORDER BY image_id") as [Int64], try lw.query("""
            SELECT id FROM (SELECT id FROM image WHERE id NOT IN (SELECT image_id FROM consensus) ORDER BY random_rank LIMIT 5) ORDER BY id
            """) as [Int64])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment AS a JOIN machine_label AS m ON m.image_id = a.image_id"), 15)
        // The team agrees with four of the five machine labels: lw status reports the audit.
        let truth = Dictionary(uniqueKeysWithValues: paths.enumerated().map { (($1 as NSString).lastPathComponent, $0 % 2 == 0 ? "logo" : "no_logo") })
        let open = try lw.run(["assignments", "--open", "--format", "csv"]).stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        let disputed = open.map { ($0[3] as NSString).lastPathComponent }.min()!
        var answers = "assignment_id,label\n"
        for f in open {
            let name = (f[3] as NSString).lastPathComponent, right = truth[name]!
            answers += "\(f[0]),\(name == disputed ? (right == "logo" ? "no_logo" : "logo") : right)\n"
        }
        try answers.write(to: lw.directory.appendingPathComponent("answers.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["review", "--answers", "answers.csv"]).status, 0)
        let status = try lw.run(["status", "--json"]).stdout
        XCTAssertTrue(status.contains("\"machine_labels_checked\":5") && status.contains("\"machine_labels_confirmed\":4"), status)
        let table = try lw.run(["status"]).stdout
        XCTAssertTrue(table.contains("the team checked 5 machine labels at random and agrees with 4 (80.0%)"), table)
    }

    /// The job's threshold confidence sets how much evidence a threshold needs:
    /// 60 right validation labels support 0.95 at 95% confidence (52 needed), not at 97.5% (73).
    func testThresholdConfidenceDecidesHowMuchValidationIsEnough() throws {
        for (options, expectThreshold) in [([String](), true), (["--threshold-confidence", "0.975"], false)] {
            let (lw, paths) = try jobWithAgreedVotes(voted: 60, initOptions: options)
            defer { lw.cleanUp() }
            let lines = paths.enumerated().map { i, path in
                "{\"source-ref\": \"\(path)\", \"label\": \"\(i % 2 == 0 ? "logo" : "no_logo")\", \"confidence\": 0.99}\n"
            }.joined()
            try lines.write(to: lw.directory.appendingPathComponent("preds.jsonl"), atomically: true, encoding: .utf8)
            let imported = try lw.run(["predictions", "import", "preds.jsonl"])
            XCTAssertEqual(imported.status, 0, imported.stderr)
            let thresholds: [Double?] = try DatabaseQueue(path: lw.database).read { try Double?.fetchAll($0, sql: "SELECT threshold FROM model") }
            XCTAssertEqual(thresholds, [expectThreshold ? 0.99 : nil], "\(options): \(imported.stdout)")
            if !expectThreshold {
                XCTAssertTrue(imported.stdout.contains("at least 73") && imported.stdout.contains("0.975 confidence"), imported.stdout)
            }
        }
    }

    /// A later model keeps only the machine labels it confirms (its label, at or
    /// above its threshold) and withdraws the rest back to humans, each audited;
    /// a model without a threshold withdraws only the labels it contradicts.
    func testALaterModelKeepsOnlyWhatItConfirms() throws {
        let (lw, paths) = try jobWithAgreedVotes()
        defer { lw.cleanUp() }
        func predictions(_ file: String, only: Range<Int> = 0..<200, _ line: (Int, String) -> String) throws {
            let text = paths.enumerated().filter { only.contains($0.offset) }.map { line($0.offset, $0.element) }.joined(separator: "\n")
            try text.write(to: lw.directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
            XCTAssertEqual(try lw.run(["predictions", "import", file]).status, 0)
            XCTAssertEqual(try lw.run(["auto-label"]).status, 0)
        }
        let truth = { (i: Int) in i % 2 == 0 ? "logo" : "no_logo" }
        try predictions("first.jsonl") { i, path in "{\"source-ref\": \"\(path)\", \"label\": \"\(truth(i))\", \"confidence\": 0.99}" }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM machine_label"), 50)
        // The second model: right and confident on the human labels (so its threshold is 0.99);
        // on the rest it confirms 150-159, agrees below its threshold on 160-174 and
        // contradicts 175-199.
        try predictions("second.jsonl") { i, path in
            let label = i < 175 ? truth(i) : (truth(i) == "logo" ? "no_logo" : "logo")
            return "{\"source-ref\": \"\(path)\", \"label\": \"\(label)\", \"confidence\": \(i < 160 ? 0.99 : 0.6)}"
        }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM machine_label"), 10)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'machine_label.withdraw'"), 40)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image WHERE awaiting_label = 1"), 40, "withdrawn images go back to humans")
        // A third model predicts only unvoted images: no validation, no threshold. It agrees
        // with 150-154 (below any threshold) and contradicts 155-159: only those go.
        try predictions("third.jsonl", only: 150..<200) { i, path in
            "{\"source-ref\": \"\(path)\", \"label\": \"\(i < 155 ? truth(i) : (truth(i) == "logo" ? "no_logo" : "logo"))\", \"confidence\": 0.7}"
        }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model WHERE id = (SELECT max(id) FROM model) AND threshold IS NULL"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM machine_label"), 5)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'machine_label.withdraw'"), 45)
    }

    func testBadPredictionLinesNameTheLineAndWriteNothing() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo"])
        let paths = try lw.makeImages("photos", count: 2, size: (40, 30))
        try lw.run(["import", "photos", "--quiet"])
        let text = """
        {"source-ref": "\(paths[0])", "label": "logo", "confidence": 0.9}
        not json
        {"source-ref": "nope.jpg", "label": "logo", "confidence": 0.9}
        {"source-ref": "\(paths[1])", "label": "cat", "confidence": 0.9}
        {"source-ref": "\(paths[1])", "label": "logo", "confidence": 1.5}
        {"label": "logo", "confidence": 0.5}
        """
        try text.write(to: lw.directory.appendingPathComponent("bad.jsonl"), atomically: true, encoding: .utf8)
        let result = try lw.run(["predictions", "import", "bad.jsonl"])
        XCTAssertEqual(result.status, 1)
        for line in 2...6 { XCTAssertTrue(result.stderr.contains("bad.jsonl:\(line):"), "line \(line): \(result.stderr)") }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM prediction"), 0)
    }
}
