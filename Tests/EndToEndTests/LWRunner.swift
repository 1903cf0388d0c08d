import Foundation
import GRDB
import LabelWorkbench
import XCTest

/// Runs the built `lw` binary in a temporary folder with its own database.
struct LWRunner {
    let directory: URL
    var database: String { directory.appendingPathComponent("lw.db").path }

    static var binary: URL {
        // The test bundle sits next to the products it was built with.
        var candidates = [Bundle.main.bundleURL.appendingPathComponent("lw")]
        for bundle in Bundle.allBundles { candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("lw")) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/lw"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }!
    }

    static func make() throws -> LWRunner {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lw-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return LWRunner(directory: dir)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `lw` to the end; past `timeout` seconds it is killed (a hang fails the test, not the suite).
    @discardableResult
    func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: TimeInterval = 600) throws -> Result {
        let process = try start(arguments, environment: extra)
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        // Drain stderr on another thread while reading stdout here: neither pipe can fill up.
        let errHandle = (process.standardError as! Pipe).fileHandleForReading
        nonisolated(unsafe) var stderr = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { stderr = errHandle.readDataToEndOfFile(); group.leave() }
        let stdout = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `lw` without waiting (to kill it midway).
    func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["LW_DB"] = database
        environment["USER"] = "tester"
        for (k, v) in extra { environment[k] = v }
        process.environment = environment
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Writes `count` JPEG/PNG images into `folder` (every 5th a PNG).
    @discardableResult
    func makeImages(_ folder: String, count: Int, seed: UInt64 = 1, size: (Int, Int) = (96, 72)) throws -> [String] {
        let dir = directory.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var paths: [String] = []
        for i in 0..<count {
            let image = SyntheticImages.render(.init(width: size.0, height: size.1, withMark: i % 2 == 0, seed: seed &+ UInt64(i)))
            let isPNG = i % 5 == 4
            let bytes = isPNG ? try PNGCodec.encode(image) : try JPEGCodec.encode(image, quality: 85)
            let path = dir.appendingPathComponent(String(format: "img%04d.%@", i, isPNG ? "png" : "jpg")).path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            paths.append(path)
        }
        return paths
    }

    /// Writes one JPEG (quality 90) per spec into `folder`, named `<prefix>0000.jpg`,
    /// `<prefix>0001.jpg`, …; returns the file names in the specs' order.
    @discardableResult
    func writePhotos(_ folder: String, prefix: String, specs: [SyntheticImages.Spec]) throws -> [String] {
        let dir = directory.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try specs.enumerated().map { i, spec in
            let name = String(format: "%@%04d.jpg", prefix, i)
            FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path,
                                           contents: Data(try JPEGCodec.encode(SyntheticImages.render(spec), quality: 90)))
            return name
        }
    }

    func query<T: DatabaseValueConvertible>(_ sql: String) throws -> [T] {
        try DatabaseQueue(path: database).read { try T.fetchAll($0, sql: sql) }
    }

    /// Every row of every table, in order: equal digests mean nothing stored changed.
    func contentDigest() throws -> String {
        try DatabaseQueue(path: database).read { db in
            var text = ""
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                text += table + "\n"
                text += try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map(\.description).sorted().joined(separator: "\n")
            }
            return text
        }
    }

    /// Changes the database behind lw's back (e.g. to make an older state).
    func execute(_ sql: String) throws {
        try DatabaseQueue(path: database).write { try $0.execute(sql: sql) }
    }

    func scalar(_ sql: String) throws -> Int {
        try DatabaseQueue(path: database).read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    /// Starts `lw review --worker WORKER` on a pseudo-terminal (30×60); returns the process and the terminal's master side.
    func startReviewInTerminal(worker: String) throws -> (process: Process, master: Int32) {
        var master: Int32 = -1, slave: Int32 = -1
        var size = winsize(ws_row: 30, ws_col: 60, ws_xpixel: 0, ws_ypixel: 0)
        XCTAssertEqual(openpty(&master, &slave, nil, nil, &size), 0)
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["review", "--worker", worker, "--db", database]
        process.environment = ["TERM": "xterm-256color", "USER": "tester", "PATH": "/usr/bin:/bin"]
        let slaveHandle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        (process.standardInput, process.standardOutput, process.standardError) = (slaveHandle, slaveHandle, slaveHandle)
        try process.run()
        close(slave)
        return (process, master)
    }
}
