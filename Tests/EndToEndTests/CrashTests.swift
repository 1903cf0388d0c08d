import Foundation
import GRDB
import XCTest
import LabelWorkbench

/// kill -9 at several points, then the same command again: the content an
/// uninterrupted run leaves (compared by content, not ids), integrity ok.
final class CrashTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws { lw = try LWRunner.make() }
    override func tearDown() { lw.cleanUp() }

    /// Starts `arguments`, kills it after `delay` microseconds, reaps it.
    private func kill(_ arguments: [String], after delay: UInt32) throws {
        let process = try lw.start(arguments)
        usleep(delay)
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(try lw.query("PRAGMA integrity_check") as [String], ["ok"])
    }

    func testKilledAnswersFileIsAllOrNothingAndARerunFinishesIt() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]).status, 0)
        try lw.makeImages("photos", count: 80)
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        XCTAssertEqual(try lw.run(["workers", "add", "ann", "bob", "cat"]).status, 0)
        XCTAssertEqual(try lw.run(["assign", "--per-image", "3"]).status, 0)
        let open = try lw.run(["assignments", "--open", "--format", "csv"]).stdout.split(separator: "\n").dropFirst()
        let answers = open.map { line -> String in
            let id = line.split(separator: ",")[0]
            return "\(id),\(Int(id)! % 3 == 0 ? "logo" : "no_logo")"
        }
        XCTAssertEqual(answers.count, 240)
        try ("assignment_id,label\n" + answers.joined(separator: "\n") + "\n").write(
            to: lw.directory.appendingPathComponent("answers.csv"), atomically: true, encoding: .utf8)
        for delay: UInt32 in [1_000, 10_000, 30_000, 60_000] {
            try kill(["review", "--answers", "answers.csv"], after: delay)
            let votes = try lw.scalar("SELECT count(*) FROM vote")
            XCTAssertTrue(votes == 0 || votes == 240, "all or nothing: \(votes)")
        }
        XCTAssertEqual(try lw.run(["review", "--answers", "answers.csv"]).status, 0)
        let stored: [String] = try lw.query("SELECT assignment_id || ',' || (SELECT name FROM label WHERE id = label_id) FROM vote ORDER BY assignment_id")
        XCTAssertEqual(stored, answers.sorted { Int($0.split(separator: ",")[0])! < Int($1.split(separator: ",")[0])! })
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM consensus"), 80)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'open'"), 0)
    }

    func testKilledAutoLabelIsFinishedByARerunWithTheSameLabels() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "64:64", "--backbone", "off", "--target-accuracy", "0.7"]).status, 0)
        let specs = (0..<200).map { i -> SyntheticImages.Spec in
            var spec = SyntheticImages.Spec(width: 96, height: 72, withMark: i % 2 == 0, seed: UInt64(900 + i))
            spec.markScale = 0.3...0.4  // large marks: a model sure of many images
            return spec
        }
        let names = try lw.writePhotos("photos", prefix: "p", specs: specs)
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        var csv = "worker,source,label\n"
        for (name, spec) in zip(names, specs).prefix(120) { for w in 1...3 { csv += "w\(w),\(name),\(spec.withMark ? "logo" : "no_logo")\n" } }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        XCTAssertEqual(try lw.run(["train"]).status, 0)
        // The reference: an uninterrupted auto-label on a copy.
        let reference = try LWRunner.make()
        defer { reference.cleanUp() }
        try DatabaseQueue(path: lw.database).backup(to: DatabaseQueue(path: reference.database))
        XCTAssertEqual(try reference.run(["auto-label"]).status, 0)
        let content = "SELECT i.source || ' ' || l.name FROM machine_label AS m JOIN image AS i ON i.id = m.image_id JOIN label AS l ON l.id = m.label_id ORDER BY i.source"
        let expected: [String] = try reference.query(content)
        XCTAssertGreaterThan(expected.count, 0)
        for delay: UInt32 in [20_000, 100_000, 300_000] { try kill(["auto-label"], after: delay) }
        XCTAssertEqual(try lw.run(["auto-label"]).status, 0)
        XCTAssertEqual(try lw.query(content) as [String], expected)
        let predictions = "SELECT count(*) FROM prediction"
        XCTAssertEqual(try lw.scalar(predictions), try reference.scalar(predictions))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE status = 'running'"), 0)
    }
}
