import Foundation
import GRDB
import LabelWorkbench
import XCTest

final class WorkforceTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws {
        lw = try LWRunner.make()
        try lw.run(["init", "--labels", "logo,no_logo"])
        try lw.makeImages("photos", count: 20)
        try lw.run(["import", "photos"])
    }
    override func tearDown() { lw.cleanUp() }

    private func openCSV() throws -> [[String]] {
        let out = try lw.run(["assignments", "--open", "--format", "csv"]).stdout
        return out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    private func answer(_ rows: [(String, String)], extra: [String] = []) throws -> LWRunner.Result {
        let text = "assignment_id,label\n" + rows.map { "\($0.0),\($0.1)" }.joined(separator: "\n") + "\n"
        let path = lw.directory.appendingPathComponent("answers-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try lw.run(["review", "--answers", path] + extra)
    }

    func testAssignGivesEachImageDistinctWorkersBalancedAndIsIdempotent() throws {
        try lw.run(["workers", "add", "alice", "bob", "carol", "dave"])
        let first = try lw.run(["assign", "--per-image", "3", "--limit", "8"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("created 24 assignments"), first.stdout)
        let rows = try openCSV()
        XCTAssertEqual(rows[0], ["assignment_id", "worker", "image_id", "source"])
        XCTAssertEqual(rows.count, 25)
        var workersPerImage: [String: Set<String>] = [:]
        var load: [String: Int] = [:]
        for row in rows.dropFirst() {
            XCTAssertTrue(workersPerImage[row[2], default: []].insert(row[1]).inserted, "a worker twice on image \(row[2])")
            load[row[1], default: 0] += 1
        }
        XCTAssertEqual(workersPerImage.count, 8)
        XCTAssertEqual(load.values.max()! - load.values.min()!, 0, "24 assignments over 4 workers: 6 each, \(load)")
        let again = try lw.run(["assign", "--per-image", "3", "--limit", "8"])
        XCTAssertTrue(again.stdout.contains("created 0 assignments"), again.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment"), 24)
    }

    func testDisablingAWorkerReleasesTheirAssignmentsAndAssignRefills() throws {
        try lw.run(["workers", "add", "alice", "bob", "carol", "dave"])
        try lw.run(["assign", "--per-image", "3", "--limit", "4"])
        let aliceOpen = try lw.scalar("SELECT count(*) FROM assignment a JOIN worker w ON w.id = a.worker_id WHERE w.name = 'alice' AND status = 'open'")
        XCTAssertGreaterThan(aliceOpen, 0)
        let disabled = try lw.run(["workers", "disable", "alice"])
        XCTAssertTrue(disabled.stdout.contains("released \(aliceOpen)"), disabled.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'released'"), aliceOpen)
        let refill = try lw.run(["assign", "--per-image", "3", "--limit", "4"])
        XCTAssertTrue(refill.stdout.contains("created \(aliceOpen) assignments"), refill.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment a JOIN worker w ON w.id = a.worker_id WHERE w.name = 'alice' AND status = 'open'"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM (SELECT image_id FROM assignment WHERE status = 'open' GROUP BY image_id HAVING count(*) = 3)"), 4)
    }

    func testExpiredAssignmentsAreReleasedAndRefused() throws {
        try lw.run(["workers", "add", "alice", "bob"])
        try lw.run(["assign", "--per-image", "1", "--limit", "2", "--expire", "1s"])
        let rows = try openCSV()
        Thread.sleep(forTimeInterval: 1.3)
        let late = try answer([(rows[1][0], "logo")])
        XCTAssertEqual(late.status, 1)
        XCTAssertTrue(late.stderr.contains("expired"), late.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 0)
        try lw.run(["assign", "--per-image", "1", "--limit", "2"])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'expired'"), 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'open'"), 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'assignment.expire'"), 2)
    }

    func testMaxOpenCapsEachWorker() throws {
        try lw.run(["workers", "add", "alice", "bob"])
        let result = try lw.run(["assign", "--per-image", "1", "--max-open", "3"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(try lw.scalar("SELECT max(n) FROM (SELECT count(*) AS n FROM assignment WHERE status = 'open' GROUP BY worker_id)"), 3)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment"), 6)
    }

    func testBadAssignRequestsAreOneLineErrorsWithNoPartialState() throws {
        var result = try lw.run(["assign"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("no active workers"), result.stderr)
        try lw.run(["workers", "add", "alice", "bob"])
        result = try lw.run(["assign", "--per-image", "3"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("at least 3 active workers"), result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment"), 0)
        XCTAssertEqual(try lw.run(["assign", "--expire", "soon"]).status, 1)
        XCTAssertEqual(try lw.run(["workers", "disable", "zoe"]).status, 1)
        XCTAssertEqual(try lw.run(["workers", "add", "bad name"]).status, 1)
        result = try lw.run(["assignments", "--worker", "zoe"])
        XCTAssertTrue(result.stderr.contains("unknown worker 'zoe'"), result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'assign'"), 0)
    }

    func testEveryBadAnswerRowIsReportedAndNothingIsHalfApplied() throws {
        try lw.run(["workers", "add", "alice", "bob", "carol"])
        try lw.run(["assign", "--per-image", "3", "--limit", "3", "--expire", "1h"])
        let rows = try openCSV().dropFirst()
        let ids = rows.map { $0[0] }
        // One answered beforehand.
        XCTAssertEqual(try answer([(ids[0], "logo")]).status, 0)
        // Make one expired by hand (as if its time had passed).
        try DatabaseQueue(path: lw.database).write { db in
            try db.execute(sql: "UPDATE assignment SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE id = ?", arguments: [Int(ids[1])!])
        }
        let bad = try answer([
            (ids[2], "logo"),          // valid
            ("99999", "logo"),         // unknown assignment
            (ids[3], "banana"),        // unknown label
            (ids[0], "no_logo"),       // already answered differently
            (ids[1], "logo"),          // expired
            (ids[4], "logo"), (ids[4], "no_logo"),  // two different answers: both rejected
            ("abc", "logo"),           // not a number
        ])
        XCTAssertEqual(bad.status, 1)
        for (line, text) in [(3, "unknown assignment 99999"), (4, "unknown label 'banana'"), (5, "already answered 'logo'"),
                             (6, "expired"), (7, "answered 'logo' here and 'no_logo' on line 8"),
                             (8, "answered 'logo' on line 7 and 'no_logo' here"), (9, "not a number")] {
            XCTAssertTrue(bad.stderr.contains(":\(line): ") && bad.stderr.contains(text), "line \(line) '\(text)' in:\n\(bad.stderr)")
        }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 1, "nothing of the bad file went in")
        // --skip-invalid: the valid rows go in (an exact duplicate once), conflicting ones never; exit 2.
        let partial = try answer([(ids[2], "logo"), ("99999", "logo"), (ids[2], "logo"), (ids[4], "logo"), (ids[4], "no_logo")],
                                 extra: ["--skip-invalid"])
        XCTAssertEqual(partial.status, 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 2)
        // Rerunning an applied file is a no-op.
        let rerun = try answer([(ids[0], "logo"), (ids[2], "logo")])
        XCTAssertEqual(rerun.status, 0)
        XCTAssertTrue(rerun.stdout.contains("2 already recorded"), rerun.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 2)
    }

    func testWorkerSourceFormAndBadHeader() throws {
        try lw.run(["workers", "add", "alice"])
        try lw.run(["assign", "--per-image", "1", "--limit", "1"])
        let row = try openCSV()[1]
        let path = lw.directory.appendingPathComponent("ws.csv").path
        try "worker,source,label\nalice,\(row[3]),no_logo\nbob,\(row[3]),logo\nalice,/nope.jpg,logo\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try lw.run(["review", "--answers", path, "--skip-invalid"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains(":3: unknown worker 'bob'"), result.stderr)
        XCTAssertTrue(result.stderr.contains(":4: unknown source '/nope.jpg'"), result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 1)
        try "id,answer\n1,logo\n".write(toFile: path, atomically: true, encoding: .utf8)
        let header = try lw.run(["review", "--answers", path])
        XCTAssertEqual(header.status, 1)
        XCTAssertTrue(header.stderr.contains("ws.csv:1: header"), header.stderr)
    }

    /// The worker's vote on an assigned image arrived by `lw votes import`: the answer is refused with one line, nothing changes.
    func testAnAnswerForAnImageTheWorkersVoteWasImportedForIsRefused() throws {
        try lw.run(["workers", "add", "alice"])
        try lw.run(["assign", "--per-image", "1", "--limit", "1"])
        let row = try openCSV()[1]
        let votes = lw.directory.appendingPathComponent("votes.csv").path
        try "worker,source,label\nalice,\(row[3]),logo\n".write(toFile: votes, atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", votes]).status, 0)
        let refused = try answer([(row[0], "no_logo")])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("already stored") && refused.stderr.contains("lw votes import"), refused.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 1)
    }

    func testConsensusDynamicOverlapAndStatus() throws {
        lw.cleanUp()
        lw = try LWRunner.make()
        try lw.run(["init", "--labels", "logo,no_logo", "--extra-vote-below", "0.9", "--validation-extra-vote-below", "0.9"])
        try lw.makeImages("photos", count: 20)
        try lw.run(["import", "photos"])
        try lw.run(["workers", "add", "a1", "a2", "a3", "a4", "a5", "a6"])
        try lw.run(["assign", "--per-image", "2", "--limit", "6"])
        // Everyone agrees on every image (half logo, half not) except one, where the vote splits 1:1.
        let rows = try openCSV().dropFirst()
        let split = rows.first![2]
        var seenOnSplit = 0
        let answers = rows.map { row -> (String, String) in
            if row[2] == split { seenOnSplit += 1; return (row[0], seenOnSplit == 1 ? "no_logo" : "logo") }
            return (row[0], Int(row[2])! % 2 == 0 ? "logo" : "no_logo")
        }
        XCTAssertEqual(try answer(Array(answers)).status, 0)
        let status = try JSONSerialization.jsonObject(with: Data(try lw.run(["status", "--json"]).stdout.utf8)) as! [String: Any]
        XCTAssertEqual(status["human_labeled"] as? Int, 6)
        let labels = status["labels"] as? [String: Int] ?? [:]
        XCTAssertEqual(labels["logo", default: 0] + labels["no_logo", default: 0], 6)
        let splitConfidence = try lw.query("SELECT confidence FROM consensus WHERE image_id = \(split)") as [Double]
        XCTAssertLessThan(splitConfidence[0], 0.9, "the 1:1 image is uncertain")
        XCTAssertTrue((try lw.query("SELECT confidence FROM consensus") as [Double]).allSatisfy { $0 < 1 })
        let uncertain = try lw.scalar("SELECT count(*) FROM consensus WHERE confidence < 0.9")
        XCTAssertLessThan(uncertain, 6, "unanimous images are confident")
        // Consensus again with no new votes: nothing changes.
        let audit = try lw.scalar("SELECT count(*) FROM audit_event WHERE entity = 'consensus'")
        XCTAssertTrue(try lw.run(["consensus"]).stdout.contains("0 new, 0 revised"))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE entity = 'consensus'"), audit)
        // Dynamic overlap: the uncertain images (the split one first) get more workers before any new image;
        // all of them were picked at random (the validation sample), so two more each.
        let overlap = try lw.run(["assign", "--per-image", "2", "--limit", "\(uncertain)"])
        XCTAssertTrue(overlap.stdout.contains("\(uncertain) uncertain labels get more workers"), overlap.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'open' AND reason = 'overlap' AND image_id = \(split)"), 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'open'"), 2 * uncertain)
        XCTAssertEqual(try lw.scalar("SELECT count(DISTINCT image_id) FROM assignment WHERE status = 'open'"), uncertain)
        // While that vote is open, the image is not counted as human-labeled.
        XCTAssertTrue(try lw.run(["status", "--json"]).stdout.contains("\"human_labeled\":\(6 - uncertain)"))
        let workers = try lw.run(["workers", "list"]).stdout
        XCTAssertTrue(workers.contains("est. accuracy"), workers)
    }

    /// Images picked at random are the validation sample: they get another
    /// worker until their consensus is near-certain (0.99 by default), while an
    /// image picked for another reason stops at the general bar.
    func testValidationSampleGetsVotesUntilNearCertain() throws {
        lw.cleanUp()
        lw = try LWRunner.make()
        try lw.run(["init", "--labels", "logo,no_logo", "--extra-vote-below", "0.5"])
        try lw.makeImages("photos", count: 12)
        try lw.run(["import", "photos"])
        try lw.run(["workers", "add", "a1", "a2", "a3", "a4", "a5", "a6"])
        try lw.run(["assign", "--per-image", "3", "--limit", "6"])
        // Two images get a 2:1 vote (one dissenter each), the others are unanimous.
        let rows = Array(try openCSV().dropFirst())
        let splitImages = Array(Set(rows.map { $0[2] })).sorted().prefix(2)
        var dissented = Set<String>()
        let answers = rows.map { row -> (String, String) in
            let majority = Int(row[2])! % 2 == 0 ? "logo" : "no_logo"
            if splitImages.contains(row[2]) && dissented.insert(row[2]).inserted { return (row[0], majority == "logo" ? "no_logo" : "logo") }
            return (row[0], majority)
        }
        XCTAssertEqual(try answer(answers).status, 0)
        let belowBar = try lw.scalar("SELECT count(*) FROM consensus WHERE confidence < 0.99")
        XCTAssertGreaterThanOrEqual(belowBar, 2, "a 2:1 vote is not near-certain")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM consensus WHERE confidence < 0.5"), 0)
        // One image counts as picked by the model past the random picks in the job's random order: it is not
        // validation. Another counts as picked by the model before its turn came: the random picks have passed
        // it, so it is in the validation sample (a prefix of the random order) and gets two workers too.
        let belowBarImages: [Int64] = try lw.query("SELECT image_id FROM consensus WHERE confidence < 0.99 ORDER BY image_id")
        let activePick = belowBarImages[0]
        try markAsModelPick(activePick, pastTheRandomPicks: true)
        try markAsModelPick(belowBarImages[1], pastTheRandomPicks: false)
        let result = try lw.run(["assign", "--per-image", "2", "--limit", "\(belowBar - 1)"])
        XCTAssertTrue(result.stdout.contains("\(belowBar - 1) uncertain labels get more workers"), result.stdout)
        XCTAssertEqual(try lw.scalar("SELECT count(DISTINCT image_id) FROM assignment WHERE status = 'open' AND reason = 'overlap'"), belowBar - 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'open' AND reason = 'overlap'"), 2 * (belowBar - 1),
                       "a validation image gets two more workers at a time")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'open' AND image_id = \(activePick)"), 0)
        // Bad value: one line naming the option, nothing created.
        let bad = try lw.run(["init", "--labels", "a,b", "--validation-extra-vote-below", "1.5", "--db", "other.db"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--validation-extra-vote-below 1.5 is out of range"), bad.stderr)
    }

    /// A validation image whose votes stay split may get up to the job's
    /// validation_max_workers_per_image (7 by default), two at a time; an image
    /// the model picked stops at max_workers_per_image (5).
    func testValidationSampleGetsUpToSevenWorkers() throws {
        lw.cleanUp()
        lw = try LWRunner.make()
        try lw.run(["init", "--labels", "logo,no_logo", "--extra-vote-below", "0.999"])
        XCTAssertEqual(try lw.scalar("SELECT validation_max_workers_per_image FROM job"), 7)
        try lw.makeImages("photos", count: 4)
        try lw.run(["import", "photos"])
        try lw.run(["workers", "add", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"])
        try lw.run(["assign", "--per-image", "3", "--limit", "2"])
        let images = try lw.query("SELECT DISTINCT image_id FROM assignment ORDER BY image_id") as [Int]
        XCTAssertEqual(images.count, 2)
        // The second image counts as an active-learning pick past the random picks: not validation.
        try markAsModelPick(Int64(images[1]), pastTheRandomPicks: true)
        // Every round of votes splits as evenly as it can: the consensus never gets near-certain.
        func answerSplit() throws {
            var given: [String: Int] = [:]
            let rows = Array(try openCSV().dropFirst())
            let answers = rows.map { row -> (String, String) in
                let earlier = try! lw.scalar("SELECT count(*) FROM vote WHERE image_id = \(row[2])")
                let n = given[row[2], default: 0] + earlier
                given[row[2], default: 0] += 1
                return (row[0], n % 2 == 0 ? "logo" : "no_logo")
            }
            XCTAssertEqual(try answer(answers).status, 0)
        }
        try answerSplit()
        func openFor(_ image: Int) throws -> Int { try lw.scalar("SELECT count(*) FROM assignment WHERE status = 'open' AND image_id = \(image)") }
        try lw.run(["assign", "--per-image", "3", "--limit", "2"])
        XCTAssertEqual(try openFor(images[0]), 2, "validation: two more")
        XCTAssertEqual(try openFor(images[1]), 1, "an active-learning pick: one more")
        try answerSplit()
        try lw.run(["assign", "--per-image", "3", "--limit", "2"])
        XCTAssertEqual(try openFor(images[0]), 2, "validation: 5 votes, two more up to 7")
        XCTAssertEqual(try openFor(images[1]), 1)
        try answerSplit()
        XCTAssertEqual(try lw.query("SELECT votes FROM consensus ORDER BY image_id") as [Int], [7, 5])
        XCTAssertLessThan((try lw.query("SELECT confidence FROM consensus WHERE image_id = \(images[0])") as [Double])[0], 0.99)
        let done = try lw.run(["assign", "--per-image", "3", "--limit", "2"])
        XCTAssertEqual(try openFor(images[0]), 0, "at the cap: \(done.stdout)")
        XCTAssertEqual(try openFor(images[1]), 0, "an active-learning pick stops at 5")
        // Bad value: one line naming the option, nothing created.
        let bad = try lw.run(["init", "--labels", "a,b", "--validation-max-workers-per-image", "51", "--db", "other.db"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--validation-max-workers-per-image 51 must be between --workers-per-image (3) and 50"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lw.directory.appendingPathComponent("other.db").path))
    }

    func testHumanLabelingBudgetStopsNewImages() throws {
        lw.cleanUp()
        lw = try LWRunner.make()
        try lw.run(["init", "--labels", "logo,no_logo", "--max-human", "5"])
        try lw.makeImages("photos", count: 12)
        try lw.run(["import", "photos"])
        try lw.run(["workers", "add", "alice"])
        let result = try lw.run(["assign", "--per-image", "1", "--json"])
        XCTAssertTrue(result.stdout.contains("\"new_images\":5"), result.stdout)
        XCTAssertTrue(result.stdout.contains("\"budget_reached\":true"), result.stdout)
        XCTAssertTrue(try lw.run(["assign", "--per-image", "1"]).stdout.contains("budget is reached"))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment"), 5)
        XCTAssertEqual(try lw.run(["init", "--labels", "a,b", "--max-human-percent", "150", "--db", "other.db"]).status, 1)
    }

    /// Makes `image` look picked by the model (reason 'uncertain'); past the
    /// random picks, it is last in the job's random order.
    func markAsModelPick(_ image: Int64, pastTheRandomPicks: Bool) throws {
        try DatabaseQueue(path: lw.database).write { db in
            try db.execute(sql: "UPDATE assignment SET reason = 'uncertain' WHERE image_id = ?", arguments: [image])
            if pastTheRandomPicks { try db.execute(sql: "UPDATE image SET random_rank = 0.9999999 WHERE id = ?", arguments: [image]) }
        }
    }

    func testNextImagesQueriesWalkAnIndex() throws {
        let queue = try DatabaseQueue(path: lw.database)
        try queue.read { db in
            for (sql, index) in [(Queue.nextRandom, "image_in_random_order"), (Queue.nextUncertain, "image_queue_uncertain"),
                                 (Queue.nextUnscored, "image_queue_random")] {
                let details = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: [50]).map { $0["detail"] as String }.joined(separator: " | ")
                XCTAssertTrue(details.contains(index), details)
                XCTAssertFalse(details.contains("TEMP B-TREE"), "no sort: \(details)")
                XCTAssertTrue(details.contains("assignment_open_by_image"), details)
            }
        }
    }

    /// `lw train` looks up whether every labeled image has an assignment: one index
    /// search each, never a scan of the assignment table per image.
    func testAssignmentLookupUsesTheImageIndex() throws {
        let queue = try DatabaseQueue(path: lw.database)
        try queue.read { db in
            let details = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + HumanLabels.sql).map { $0["detail"] as String }
            XCTAssertTrue(details.contains { $0.contains("assignment_by_image") }, details.joined(separator: " | "))
            XCTAssertFalse(details.contains { $0.hasPrefix("SCAN a") }, "no scan of assignment per image: \(details.joined(separator: " | "))")
        }
    }
}
