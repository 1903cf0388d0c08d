import Foundation
import XCTest

/// Drives `lw review --worker` through a real pseudo-terminal: answer, skip,
/// undo, quit, and checks what reached the database.
final class InteractiveReviewTests: XCTestCase {
    func testAnswerSkipUndoQuitThroughAPseudoTerminal() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo"])
        try lw.makeImages("photos", count: 4)
        try lw.run(["import", "photos"])
        try lw.run(["workers", "add", "alice"])
        try lw.run(["assign", "--per-image", "1"])

        let (process, master) = try lw.startReviewInTerminal(worker: "alice")

        let output = PTYReader(master)
        func waitFor(_ text: String) {
            if !output.waitFor(text, timeout: 20) { try? output.text.write(toFile: "/tmp/pty-dump.txt", atomically: true, encoding: .utf8); XCTFail("never saw '\(text)' (output in /tmp/pty-dump.txt)") }
        }
        func press(_ key: String) { _ = key.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, key.utf8.count) } }

        waitFor("1 of 4")
        XCTAssertTrue(output.text.contains("▀"), "the image is drawn with half blocks")
        XCTAssertTrue(output.text.contains("[1/l] logo"), output.text.suffix(300).description)
        press("1")                 // image 1: logo
        waitFor("2 of 4")
        press("n")                 // image 2: no_logo (first letter)
        waitFor("3 of 4")
        press("u")                 // undo image 2
        waitFor("→ no_logo")
        output.clear()
        press("s")                 // skip image 2 now
        waitFor("3 of 4")
        press("1")                 // image 3: logo
        waitFor("4 of 4")
        press("q")
        process.waitUntilExit()
        waitFor("answered 2, skipped 1, undid 1")
        close(master)
        XCTAssertEqual(process.terminationStatus, 0)

        XCTAssertEqual(try lw.query("SELECT l.name FROM vote v JOIN label l ON l.id = v.label_id ORDER BY v.id") as [String], ["logo", "logo"])
        XCTAssertEqual(try lw.query("SELECT status FROM assignment ORDER BY id") as [String], ["answered", "skipped", "answered", "open"])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event WHERE action = 'vote.undo'"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote WHERE seconds IS NOT NULL AND seconds >= 0"), 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM consensus"), 2)
    }

    func testEmptyQueueAndNoTerminalAreOneLineErrors() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo"])
        try lw.run(["workers", "add", "alice"])
        let piped = try lw.run(["review", "--worker", "alice"])
        XCTAssertEqual(piped.status, 1)
        XCTAssertTrue(piped.stderr.contains("needs a terminal"), piped.stderr)
        XCTAssertEqual(try lw.run(["review", "--worker", "nobody"]).status, 1)
        XCTAssertEqual(try lw.run(["review"]).status, 64)
    }
}

/// Collects a pseudo-terminal's output on a background thread.
final class PTYReader: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = ""
    var text: String { lock.withLock { buffer } }

    init(_ fd: Int32) {
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                let piece = String(decoding: chunk[0..<n], as: UTF8.self)
                lock.withLock { buffer += piece }
            }
        }
    }

    func clear() { lock.withLock { buffer = "" } }

    func waitFor(_ needle: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if text.contains(needle) { return true }
            usleep(10_000)
        }
        return false
    }
}
