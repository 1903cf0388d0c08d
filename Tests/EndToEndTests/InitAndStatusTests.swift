import Foundation
import GRDB
import XCTest

final class InitAndStatusTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws { lw = try LWRunner.make() }
    override func tearDown() { lw.cleanUp() }

    func testStatusOnAMissingDatabaseSaysToInitAndCreatesNothing() throws {
        let result = try lw.run(["status"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("lw init"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: lw.database))
    }

    /// Read-only commands open the file read-only: an empty file, another
    /// program's SQLite file and a job's database stay byte for byte the same.
    func testReadOnlyCommandsNeverWriteTheFile() throws {
        let other = lw.directory.appendingPathComponent("other.db").path
        try GRDB.DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')") }
        let empty = lw.directory.appendingPathComponent("empty.db").path
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        for file in [other, empty] {
            let before = try Data(contentsOf: URL(fileURLWithPath: file))
            for command in [["status"], ["workers", "list"], ["settings"], ["assignments"], ["models", "list"], ["duplicates"]] {
                let result = try lw.run(command + ["--db", file])
                XCTAssertEqual(result.status, 1, "\(command) on \(file)")
                XCTAssertTrue(result.stderr.contains("no lw job"), result.stderr)
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before, "\(file) unchanged")
        }
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]).status, 0)
        XCTAssertEqual(try lw.run(["status"]).status, 0)  // WAL checkpointed by the writer's close
        let before = try Data(contentsOf: URL(fileURLWithPath: lw.database))
        let wal = lw.database + "-wal"
        let walBefore = FileManager.default.contents(atPath: wal)
        for command in [["status"], ["workers", "list"], ["settings"], ["assignments"], ["models", "list"], ["duplicates"]] {
            XCTAssertEqual(try lw.run(command).status, 0, "\(command)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: lw.database)), before)
        XCTAssertEqual(FileManager.default.contents(atPath: wal), walBefore)
    }

    /// A database nobody may write (as another user: root writes anything):
    /// the read-only commands still work.
    func testReadOnlyCommandsWorkOnADatabaseTheyCannotWrite() throws {
        let setpriv = "/usr/bin/setpriv"
        try XCTSkipUnless(getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv), "needs root and setpriv to act as nobody")
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]).status, 0)
        XCTAssertEqual(chmod(lw.database, 0o444), 0)
        XCTAssertEqual(chmod(lw.directory.path, 0o755), 0)
        for command in [["status"], ["workers", "list"], ["settings"], ["assignments"], ["models", "list"], ["duplicates"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--reuid", "65534", "--regid", "65534", "--clear-groups", LWRunner.binary.path] + command + ["--db", lw.database]
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(process.terminationStatus, 0, "\(command): \(message)")
        }
        let denied = try lw.run(["workers", "add", "ann"])  // as root: the write goes through, as it should
        XCTAssertEqual(denied.status, 0, denied.stderr)
    }

    func testInitIsIdempotentAndRefusesOtherSettings() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]).status, 0)
        let again = try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"])
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.stdout.contains("nothing changed"))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'init'"), 1)
        let other = try lw.run(["init", "--labels", "cat,dog", "--job-name", "logo-job"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("already holds a job"), other.stderr)
        XCTAssertTrue(other.stderr.contains("--labels logo,no_logo (this run: cat,dog)"), other.stderr)
        XCTAssertEqual(try lw.query("SELECT name FROM label ORDER BY class_index") as [String], ["logo", "no_logo"])
        // Every setting counts, not only the labels: a changed one is refused, the job stays as it was.
        for setting in [["--validation-extra-vote-below", "0.9"], ["--random-share", "0.5"], ["--features", "128:256"], ["--max-human", "10"],
                        ["--model", "filters+convnet"], ["--backbone", "off"], ["--convnet-steps", "2400"], ["--convnet-side", "192"], ["--validation-max-workers-per-image", "5"],
                        ["--self-training", "off"], ["--object-copies", "off"], ["--threshold-confidence", "0.975"]] {
            let changed = try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"] + setting)
            XCTAssertEqual(changed.status, 1, "\(setting): \(changed.stdout)")
            XCTAssertTrue(changed.stderr.contains("with other settings: \(setting[0]) "), "the refusal names the setting: \(changed.stderr)")
            XCTAssertEqual(changed.stderr.split(separator: "\n").count, 1, changed.stderr)
        }
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM job WHERE validation_extra_vote_below = 0.99 AND random_share = 0.1 AND max_human_labels IS NULL AND model = 'filters' AND backbone = 1 AND convnet_image_steps = 19200 AND convnet_side = 256 AND validation_max_workers_per_image = 7 AND self_training = 1 AND object_copies = 1 AND threshold_confidence = 0.95"), 1)
    }

    func testInitRejectsBadSettingsWithoutCreatingAJob() throws {
        for arguments in [["--labels", "logo"], ["--labels", "a,a"], ["--labels", "a,,b"],
                          ["--labels", "a,b", "--target-accuracy", "1.5"], ["--labels", "a,b", "--workers-per-image", "0"],
                          ["--labels", "a,b", "--random-share", "1.5"], ["--labels", "a,b", "--features", "12:3"], ["--labels", "a,b", "--max-human=-1"],
                          ["--labels", "a,b", "--model", "resnet"], ["--labels", "a,b", "--convnet-side", "100"], ["--labels", "a,b", "--convnet-side", "0"],
                          ["--labels", "a,b", "--self-training", "no"], ["--labels", "a,b", "--object-copies", "no"], ["--labels", "a,b", "--threshold-confidence", "1"],
                          ["--labels", "a,b", "--threshold-confidence", "0.5"], ["--labels", "a,b", "--backbone", "no"],
                          ["--labels", "a,b", "--convnet-steps", "10"], ["--labels", "a,b", "--max-megapixels", "0"],
                          ["--labels", "logo\nno_logo,x"], ["--labels", "a\tb,c"], ["--labels", "a,b\u{202E}c"],
                          ["--labels", "a,b", "--job-name", "two\rlines"]] {
            let result = try lw.run(["init"] + arguments)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("lw: "), result.stderr)
        }
        XCTAssertEqual(try lw.run(["status"]).status, 1)
    }

    func testUsageErrorsExit64() throws {
        XCTAssertEqual(try lw.run(["init"]).status, 64)
        XCTAssertEqual(try lw.run(["import"]).status, 64)
        for arguments in [["export", "--out", ""], ["status", "--actor", "eve\nroot"], ["status", "--db", ""]] {
            let result = try lw.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(arguments[1]), result.stderr)
        }
    }

    func testStatusJSONHasTheContractKeys() throws {
        try lw.run(["init", "--labels", "logo,no_logo"])
        try lw.makeImages("photos", count: 3)
        try lw.run(["import", "photos"])
        let result = try lw.run(["status", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["total"] as? Int, 3)
        XCTAssertEqual(object["unlabeled"] as? Int, 3)
        for key in ["human_labeled", "machine_labeled", "failed"] { XCTAssertEqual(object[key] as? Int, 0, key) }
        XCTAssertEqual(object["labels"] as? [String: Int], ["logo": 0, "no_logo": 0])
        let table = try lw.run(["status"]).stdout
        XCTAssertTrue(table.contains("unlabeled"), table)
    }
}
