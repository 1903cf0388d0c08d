import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import LabelWorkbench
import XCTest

/// `lw serve` as a user runs it: the built binary, a real port, a real
/// browser (Debian's chromium through chromium-driver and python3-selenium),
/// the CLI working beside it, and a clean stop on SIGTERM.
final class ServeTests: XCTestCase {
    struct Server {
        var process: Process
        var output: PTYReader
        var port: Int
    }

    func startServer(_ lw: LWRunner, _ extra: [String] = []) throws -> Server {
        let process = try lw.start(["serve", "--port", "0"] + extra)
        let output = PTYReader((process.standardOutput as! Pipe).fileHandleForReading.fileDescriptor)
        XCTAssertTrue(output.waitFor("serving http://127.0.0.1:", timeout: 20), output.text)
        // The banner's last line: the owner line before it has arrived too (a loaded machine splits the reads).
        XCTAssertTrue(output.waitFor("workers: `lw workers add", timeout: 20), output.text)
        let line = output.text.split(separator: "\n").first { $0.hasPrefix("serving ") }!
        let port = Int(line.split(separator: ":")[2].prefix { $0.isNumber })!
        return Server(process: process, output: output, port: port)
    }

    func stop(_ server: Server, signal: Int32 = SIGTERM) -> Int32 {
        kill(server.process.processIdentifier, signal)
        server.process.waitUntilExit()
        return server.process.terminationStatus
    }

    func prepare(_ lw: LWRunner, images: Int) throws -> [String: String] {
        try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "serve-e2e"])
        try lw.makeImages("images", count: images)
        try lw.run(["import", "images"])
        let added = try lw.run(["workers", "add", "alice", "bob", "--token", "--url", "http://127.0.0.1:1"])
        XCTAssertEqual(added.status, 0, added.stderr)
        var links: [String: String] = [:]
        for line in added.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            links[String(parts[0])] = String(parts[1].split(separator: "/").last!)
        }
        XCTAssertEqual(links.count, 2, added.stdout)
        XCTAssertEqual(try lw.run(["assign", "--per-image", "1", "--limit", "\(images)"]).status, 0)
        return links
    }

    func testAnswerThreeImagesWithTheKeyboardInHeadlessChromium() throws {
        if ProcessInfo.processInfo.environment["LW_SKIP_BROWSER_TEST"] == "1" { throw XCTSkip("LW_SKIP_BROWSER_TEST=1") }
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"] {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: tool),
                          "\(tool) is missing: apt-get install -y chromium chromium-driver python3-selenium (as .ci/run does)")
        }
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        let links = try prepare(lw, images: 8)
        try "Find the logo.\nIgnore watermarks.".write(to: lw.directory.appendingPathComponent("guide.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["settings", "set", "--instructions", "guide.txt"]).status, 0)
        let reference = SyntheticImages.render(.init(width: 40, height: 30, withMark: true, seed: 99))
        try Data(PNGCodec.encode(reference)).write(to: lw.directory.appendingPathComponent("logo.png"))
        XCTAssertEqual(try lw.run(["references", "add", "logo.png"]).status, 0)
        let server = try startServer(lw)
        let link = "http://127.0.0.1:\(server.port)/w/\(links["alice"]!)"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser/review_in_browser.py").path
        // 1 = logo, n = no_logo, l = logo; u takes the third back, 2 = no_logo instead.
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        browser.arguments = [script, link, "1", "n", "l", "u", "2"]
        let out = Pipe(), err = Pipe()
        browser.standardOutput = out
        browser.standardError = err
        try browser.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        browser.waitUntilExit()
        XCTAssertEqual(browser.terminationStatus, 0, stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: stdout) as? [String: Any], stderr)
        XCTAssertEqual(report["console_errors"] as? [String], [], "no script error or CSP violation in the page")
        let guide = try XCTUnwrap(report["guide"] as? [String: Any])
        XCTAssertEqual(guide["instructions"] as? String, "Find the logo.\nIgnore watermarks.")
        XCTAssertEqual(guide["references"] as? [Int], [40], "the reference was decoded beside the image")
        let seen = report["seen"] as! [[String: Any]]
        XCTAssertEqual(seen.count, 4)
        XCTAssertTrue(seen.allSatisfy { ($0["width"] as? Int ?? 0) > 0 }, "every image was decoded by the browser")
        XCTAssertEqual(seen[2]["name"] as? String, seen[3]["name"] as? String, "undo shows the same image again")
        XCTAssertEqual(report["progress"] as? [String], ["0 of 4 done, 4 remaining", "1 of 4 done, 3 remaining", "2 of 4 done, 2 remaining",
                                                        "3 of 4 done, 1 remaining", "2 of 4 done, 2 remaining", "3 of 4 done, 1 remaining"])

        XCTAssertEqual(stop(server), 0, server.output.text)
        let votes: [String] = try lw.query("""
            SELECT l.name FROM vote AS v JOIN label AS l ON l.id = v.label_id JOIN worker AS w ON w.id = v.worker_id
            WHERE w.name = 'alice' ORDER BY v.assignment_id
            """)
        XCTAssertEqual(votes, ["logo", "no_logo", "no_logo"])
        let names: [String] = try lw.query("""
            SELECT i.source FROM vote AS v JOIN image AS i ON i.id = v.image_id ORDER BY v.assignment_id
            """)
        XCTAssertEqual(names.map { URL(fileURLWithPath: $0).lastPathComponent }, seen.prefix(3).map { $0["name"] as! String })
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote WHERE seconds IS NOT NULL AND seconds >= 0"), 3)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM consensus"), 3, "stopping computes consensus over the new votes")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'serve' AND status = 'succeeded'"), 1)
    }

    func testCLIWorksBesideTheServerAndSIGTERMStopsCleanly() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        let links = try prepare(lw, images: 6)
        let server = try startServer(lw)
        XCTAssertTrue(server.output.text.contains("owner: http://127.0.0.1:\(server.port)/status?token="), server.output.text)

        // A second server on the same port: a one-line error, exit 1.
        let clash = try lw.run(["serve", "--port", "\(server.port)"])
        XCTAssertEqual(clash.status, 1)
        XCTAssertTrue(clash.stderr.contains("cannot serve on 127.0.0.1:\(server.port)") && clash.stderr.contains("--port"), clash.stderr)
        XCTAssertTrue(try lw.run(["serve", "--port", "70000"]).stderr.contains("--port 70000"))

        // Answer over plain HTTP while the CLI reads and writes the same database.
        let assignment = try lw.scalar("SELECT a.id FROM assignment AS a JOIN worker AS w ON w.id = a.worker_id WHERE w.name = 'alice' ORDER BY a.id LIMIT 1")
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/w/\(links["alice"]!)/answer")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("1", forHTTPHeaderField: "X-LW-Request")
        request.httpBody = Data("{\"assignment\": \(assignment), \"label\": \"logo\"}".utf8)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status = 0
        URLSession.shared.dataTask(with: request) { _, response, _ in
            status = (response as? HTTPURLResponse)?.statusCode ?? -1
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(try lw.run(["status"]).status, 0)
        XCTAssertEqual(try lw.run(["assign", "--per-image", "1", "--limit", "6"]).status, 0)
        XCTAssertEqual(try lw.run(["export", "--format", "csv", "--out", "labels.csv"]).status, 0)

        XCTAssertEqual(stop(server), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM consensus"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM run WHERE command = 'serve' AND status = 'succeeded' AND json_extract(counts, '$.answered') = 1"), 1)
        // A restart keeps the owner link (only its hash is stored), unless asked for a new one.
        let again = try startServer(lw)
        XCTAssertTrue(again.output.text.contains("owner link printed earlier"), again.output.text)
        XCTAssertEqual(stop(again, signal: SIGINT), 0)
        let renewed = try startServer(lw, ["--new-owner-link"])
        XCTAssertTrue(renewed.output.text.contains("/status?token="), renewed.output.text)
        XCTAssertEqual(stop(renewed), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM access_token WHERE role = 'owner' AND revoked_at IS NULL"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM access_token WHERE role = 'owner'"), 2)
    }
}
