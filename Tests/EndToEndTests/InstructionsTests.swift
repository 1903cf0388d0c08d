import Foundation
import XCTest

/// The job's instructions for people: read from a text file at `lw init` or
/// `lw settings set`, audited, shown by `lw settings` and by `lw review` first.
final class InstructionsTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws { lw = try LWRunner.make() }
    override func tearDown() { lw.cleanUp() }

    func save(_ name: String, _ text: String) throws {
        try text.write(to: lw.directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func testInitAndSetStoreAuditAndShowTheInstructions() throws {
        try save("guide.txt", "Look for the red logo.\nIgnore watermarks.\n")
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--instructions", "guide.txt"]).status, 0)
        XCTAssertEqual(try lw.query("SELECT instructions FROM job") as [String], ["Look for the red logo.\nIgnore watermarks."])
        let shown = try lw.run(["settings"])
        XCTAssertTrue(shown.stdout.contains("--instructions Look for the red logo. (+1 lines)"), shown.stdout)
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--instructions", "guide.txt"]).status, 0, "same init again")

        try save("new.txt", "Any logo counts, even cut off.")
        let set = try lw.run(["settings", "set", "--instructions", "new.txt"])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertEqual(set.stdout, "--instructions Look for the red logo. (+1 lines) → Any logo counts, even cut off.\n")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'job.settings' AND after LIKE '%even cut off%'"), 1)
        let json = try JSONSerialization.jsonObject(with: Data(try lw.run(["settings", "--json"]).stdout.utf8)) as! [String: String]
        XCTAssertEqual(json["instructions"], "Any logo counts, even cut off.")
        XCTAssertTrue(try lw.run(["settings", "set", "--instructions", "new.txt"]).stdout.contains("nothing changed"))
    }

    func testMissingNonUTF8AndOversizedFilesAreRefused() throws {
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo"]).status, 0)
        try Data([0x4C, 0x6F, 0xFF, 0xFE, 0x67]).write(to: lw.directory.appendingPathComponent("latin.txt"))
        try save("long.txt", String(repeating: "x", count: 64 * 1024 + 1))
        let before = try lw.contentDigest()
        for (file, mentions) in [("missing.txt", "not found"), ("latin.txt", "UTF-8"), ("long.txt", "64 KB")] {
            for command in [["settings", "set"], ["init", "--labels", "logo,no_logo", "--db", "other.db"]] {
                let result = try lw.run(command + ["--instructions", file])
                XCTAssertEqual(result.status, 1, "\(command) \(file)")
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
                XCTAssertTrue(result.stderr.contains(file) && result.stderr.contains(mentions), result.stderr)
            }
        }
        XCTAssertEqual(try lw.contentDigest(), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lw.directory.appendingPathComponent("other.db").path))
    }

    func testTerminalReviewShowsTheInstructionsFirst() throws {
        try save("guide.txt", "Look for the red logo.\nIgnore watermarks.")
        try lw.run(["init", "--labels", "logo,no_logo", "--instructions", "guide.txt"])
        try lw.makeImages("photos", count: 2)
        try lw.run(["import", "photos"])
        try lw.run(["workers", "add", "alice"])
        try lw.run(["assign", "--per-image", "1"])

        let (process, master) = try lw.startReviewInTerminal(worker: "alice")
        let output = PTYReader(master)
        func press(_ key: String) { _ = key.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, key.utf8.count) } }

        XCTAssertTrue(output.waitFor("Press any key to start", timeout: 20), output.text)
        XCTAssertTrue(output.text.contains("Look for the red logo."), output.text)
        XCTAssertTrue(output.text.contains("Ignore watermarks."), output.text)
        XCTAssertFalse(output.text.contains("1 of 2"), "the first image waits for a key")
        press(" ")
        XCTAssertTrue(output.waitFor("1 of 2", timeout: 20), output.text)
        press("q")
        process.waitUntilExit()
        close(master)
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
