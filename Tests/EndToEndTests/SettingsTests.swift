import Foundation
import XCTest

/// `lw settings`: the job's settings shown as lw init options, and changed after init.
final class SettingsTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws { lw = try LWRunner.make() }
    override func tearDown() { lw.cleanUp() }

    func settingsJSON() throws -> [String: String] {
        let result = try lw.run(["settings", "show", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: String]
    }

    func testShowListsEveryInitOptionWithItsStoredValue() throws {
        try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job", "--max-human", "40", "--threshold-confidence", "0.975"])
        let shown = try lw.run(["settings"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let lines = shown.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 22, shown.stdout)
        XCTAssertTrue(lines.contains("--job-name logo-job   (fixed)"), shown.stdout)
        XCTAssertTrue(lines.contains("--features 128:2048   (fixed)"), shown.stdout)
        XCTAssertTrue(lines.contains("--max-human 40"), shown.stdout)
        XCTAssertTrue(lines.contains("--max-human-percent none"), shown.stdout)
        XCTAssertTrue(lines.contains("--threshold-confidence 0.975"), shown.stdout)
        XCTAssertTrue(lines.contains("--self-training on"), shown.stdout)
        XCTAssertTrue(lines.contains("--object-copies on"), shown.stdout)
        XCTAssertTrue(lines.contains("--backbone on"), shown.stdout)
        XCTAssertTrue(lines.contains("--convnet-steps 19200"), shown.stdout)
        XCTAssertTrue(lines.contains("--max-megapixels 100"), shown.stdout)
        XCTAssertTrue(lines.contains("--model filters"), shown.stdout)
        XCTAssertTrue(lines.contains("--instructions none"), shown.stdout)
        // Every option lw init takes is shown (the init help lists them).
        let initHelp = try lw.run(["init", "--help"]).stdout
        for line in lines {
            let option = String(line.split(separator: " ")[0])
            XCTAssertTrue(initHelp.contains(option), "\(option) is an lw init option")
        }
        XCTAssertEqual(try settingsJSON()["labels"], "logo,no_logo")
    }

    func testSetChangesAuditsAndIsIdempotent() throws {
        try lw.run(["init", "--labels", "logo,no_logo", "--max-human", "5"])
        let set = try lw.run(["settings", "set", "--max-human", "2000", "--workers-per-image", "5", "--max-workers-per-image", "7",
                              "--target-accuracy", "0.97", "--self-training", "off"])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertTrue(set.stdout.contains("--max-human 5 → 2000"), set.stdout)
        XCTAssertTrue(set.stdout.contains("--self-training on → off"), set.stdout)
        XCTAssertEqual(set.stdout.split(separator: "\n").count, 5, set.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM job WHERE max_human_labels = 2000 AND workers_per_image = 5 AND max_workers_per_image = 7 AND target_accuracy = 0.97 AND self_training = 0"), 1)
        XCTAssertEqual(try lw.query("SELECT before FROM audit_event WHERE action = 'job.settings'") as [String],
                       [#"{"max-human":"5","max-workers-per-image":"5","self-training":"on","target-accuracy":"0.95","workers-per-image":"3"}"#])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'settings set' AND status = 'succeeded'"), 1)

        let again = try lw.run(["settings", "set", "--max-human", "2000", "--self-training", "off"])
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.stdout.contains("nothing changed"), again.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'settings set'"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'job.settings'"), 1)

        // A budget can be removed again.
        XCTAssertEqual(try lw.run(["settings", "set", "--max-human", "none"]).status, 0)
        XCTAssertEqual(try settingsJSON()["max-human"], "none")
        // lw init's refusal points at lw settings set.
        let refused = try lw.run(["init", "--labels", "logo,no_logo"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("lw settings set"), refused.stderr)
    }

    func testBadValuesChangeNothing() throws {
        try lw.run(["init", "--labels", "logo,no_logo"])
        let before = try settingsJSON()
        for arguments in [["--max-human", "lots"], ["--max-human=-3"], ["--max-human-percent", "150"], ["--target-accuracy", "1.2"],
                          ["--workers-per-image", "9"], ["--threshold-confidence", "0.4"], ["--model", "resnet"],
                          ["--convnet-side", "100"], ["--self-training", "maybe"], ["--object-copies", "yes"], ["--random-share", "2"], ["--backbone", "maybe"], ["--convnet-steps", "5"],
                          ["--extra-vote-below", "7", "--max-human", "10"]] {
            let result = try lw.run(["settings", "set"] + arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stdout)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("lw: "), result.stderr)
            XCTAssertTrue(result.stderr.contains(arguments[0].split(separator: "=")[0]), "names the option: \(result.stderr)")
        }
        XCTAssertEqual(try settingsJSON(), before)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'settings set'"), 0)
        // No job: says to run lw init, creates nothing.
        let missing = try lw.run(["settings", "set", "--max-human", "5", "--db", "nothing.db"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("lw init"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lw.directory.appendingPathComponent("nothing.db").path))
    }

    func testRaisingAReachedBudgetLetsAssignGoOn() throws {
        try lw.run(["init", "--labels", "logo,no_logo", "--max-human", "5"])
        try lw.makeImages("photos", count: 12)
        try lw.run(["import", "photos"])
        try lw.run(["workers", "add", "alice"])
        XCTAssertTrue(try lw.run(["assign", "--per-image", "1", "--json"]).stdout.contains("\"budget_reached\":true"))
        let stopped = try lw.run(["assign", "--per-image", "1"]).stdout
        XCTAssertTrue(stopped.contains("raise it with lw settings set --max-human"), "the stop names the remedy: \(stopped)")
        XCTAssertEqual(try lw.run(["settings", "set", "--max-human", "8"]).status, 0)
        let more = try lw.run(["assign", "--per-image", "1", "--json"])
        XCTAssertTrue(more.stdout.contains("\"new_images\":3"), more.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(DISTINCT image_id) FROM assignment"), 8)
    }
}
