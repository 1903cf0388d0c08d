import Foundation
import XCTest
import LabelWorkbench

/// Hostile paths and manifests, each made by the test: every one ends
/// imported, recorded with its reason, or refused with a one-line error that
/// changes nothing stored — and nothing hangs.
final class HostileInputTests: XCTestCase {
    var lw: LWRunner!
    override func setUpWithError() throws {
        lw = try LWRunner.make()
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "logo-job"]).status, 0)
    }
    override func tearDown() { lw.cleanUp() }

    private func path(_ relative: String) -> String { lw.directory.appendingPathComponent(relative).path }

    private func write(_ relative: String, _ bytes: [UInt8]) {
        XCTAssertTrue(FileManager.default.createFile(atPath: path(relative), contents: Data(bytes)), relative)
    }

    private func jpeg(seed: UInt64) throws -> [UInt8] {
        try JPEGCodec.encode(SyntheticImages.render(.init(width: 64, height: 48, withMark: false, seed: seed)))
    }

    private func reasons() throws -> [String: String] {
        let rows: [String] = try lw.query("SELECT source || '\t' || reason FROM import_error")
        return Dictionary(uniqueKeysWithValues: rows.map { row in
            let parts = row.split(separator: "\t", maxSplits: 1).map(String.init)
            return ((parts[0] as NSString).lastPathComponent, parts[1])
        })
    }

    func testPathsThatCannotBeReadAreRecordedAndTheRestImports() throws {
        try lw.makeImages("photos", count: 3)
        XCTAssertEqual(mkfifo(path("photos/pipe.jpg"), 0o644), 0)
        XCTAssertEqual(mkfifo(path("fifo.jpg"), 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: path("photos/gone.jpg"), withDestinationPath: "nowhere.jpg")
        try FileManager.default.createSymbolicLink(atPath: path("photos/loop.jpg"), withDestinationPath: "loop.jpg")
        // Not UTF-8: "caf\xE9.jpg" in Latin-1.
        let latin1 = Array((path("photos") + "/").utf8) + [0x63, 0x61, 0x66, 0xE9, 0x2E, 0x6A, 0x70, 0x67]
        let fd = open(latin1.map { CChar(bitPattern: $0) } + [0], O_CREAT | O_WRONLY, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let bytes = try jpeg(seed: 9)
        XCTAssertEqual(bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }, bytes.count)
        close(fd)
        // NFC and NFD spellings of one name: two files for the system, two images for lw.
        write("photos/caf\u{E9}-nfc.jpg".replacingOccurrences(of: "-nfc", with: ""), try jpeg(seed: 10))
        write("photos/cafe\u{301}.jpg", try jpeg(seed: 11))

        let result = try lw.run(["import", "photos", "fifo.jpg", "missing.jpg"], timeout: 60)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stdout.contains("imported 5 of 11 files"), result.stdout)
        let recorded = try reasons()
        XCTAssertEqual(recorded["pipe.jpg"], "not a regular file (a FIFO); lw reads files only")
        XCTAssertEqual(recorded["fifo.jpg"], "not a regular file (a FIFO); lw reads files only")
        XCTAssertTrue(recorded["gone.jpg"]?.hasPrefix("dangling symbolic link (it points to 'nowhere.jpg'") ?? false, "\(recorded)")
        XCTAssertTrue(recorded["loop.jpg"]?.hasPrefix("symbolic link loop") ?? false, "\(recorded)")
        XCTAssertEqual(recorded["missing.jpg"], "file not found; check the path")
        XCTAssertTrue(recorded["caf\\xE9.jpg"]?.hasPrefix("the file name is not valid UTF-8") ?? false, "\(recorded)")
        let sources: [String] = try lw.query("SELECT source FROM image WHERE source LIKE '%caf%'")
        XCTAssertEqual(Set(sources.map { Array($0.utf8) }).count, 2, "NFC and NFD twins are both imported")
        XCTAssertEqual(try lw.run(["import", "photos", "fifo.jpg", "missing.jpg"], timeout: 60).status, 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM import_error"), 6, "a rerun records nothing new")
    }

    func testAnUnreadableSubfolderIsRecordedAndTheRestImports() throws {
        try XCTSkipIf(getuid() == 0, "root reads any folder")
        try lw.makeImages("photos", count: 2)
        try lw.makeImages("photos/locked", count: 1, seed: 50)
        XCTAssertEqual(chmod(path("photos/locked"), 0), 0)
        defer { chmod(path("photos/locked"), 0o755) }
        let result = try lw.run(["import", "photos"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(try reasons()["locked"]?.hasPrefix("cannot list the folder: permission denied") ?? false)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 2)
    }

    /// `dir/up` → `..` means dir's parent, whatever the working directory.
    func testALinkToAParentFolderResolvesFromTheLinksOwnFolder() throws {
        try lw.makeImages("tree/a/b", count: 1)
        try lw.makeImages("tree/a", count: 1, seed: 20)
        try lw.makeImages("outside", count: 3, seed: 30)
        try FileManager.default.createSymbolicLink(atPath: path("tree/a/b/up"), withDestinationPath: "..")
        let result = try lw.run(["import", "tree/a/b/up"], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 2, "only tree/a and tree/a/b, each folder once")
    }

    func testImagesOverTheJobsPixelLimitAreRecordedAndTheLimitIsASetting() throws {
        try lw.makeImages("photos", count: 2, size: (200, 150))
        XCTAssertEqual(try lw.run(["settings", "set", "--max-megapixels", "1"]).status, 0)
        let big = try JPEGCodec.encode(SyntheticImages.render(.init(width: 1200, height: 900, withMark: false, seed: 4)))
        write("photos/big.jpg", big)
        let result = try lw.run(["import", "photos"])
        XCTAssertEqual(result.status, 2)
        let recorded = try reasons()
        XCTAssertTrue(recorded["big.jpg"]?.hasPrefix("too large: 1200×900 pixels (1 megapixels) is over this job's limit of 1") ?? false, "\(recorded)")
        XCTAssertEqual(try lw.run(["settings", "set", "--max-megapixels", "2"]).status, 0)
        XCTAssertEqual(try lw.run(["import", "photos"]).status, 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 3)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM import_error"), 0, "the error is resolved")
        XCTAssertEqual(try lw.run(["settings", "set", "--max-megapixels", "0"]).status, 1)
    }

    func testManifestsWithCRLFAndAByteOrderMarkAreRead() throws {
        try lw.makeImages("images", count: 2)
        let text = "\u{FEFF}{\"source-ref\": \"images/img0000.jpg\"}\r\n{\"source-ref\": \"images/img0001.jpg\"}\r\n"
        write("input.manifest", Array(text.utf8))
        let result = try lw.run(["import", "--manifest", "input.manifest"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try lw.query("SELECT source FROM image ORDER BY id") as [String], ["images/img0000.jpg", "images/img0001.jpg"])
    }

    func testBadManifestLinesAreRefusedByLineAndChangeNothing() throws {
        try lw.makeImages("images", count: 2)
        XCTAssertEqual(try lw.run(["import", "images"]).status, 0)
        let before = try lw.contentDigest()
        let good = Array("{\"source-ref\": \"images/img0000.jpg\"}\n".utf8)
        let cases: [(String, [UInt8], String)] = [
            ("latin1", good + Array("{\"source-ref\": \"caf".utf8) + [0xE9] + Array(".jpg\"}\n".utf8), "latin1.manifest:2: not valid UTF-8"),
            ("twice", good + Array("{\"source-ref\": \"a.jpg\", \"source-ref\": \"b.jpg\"}\n".utf8),
             "twice.manifest:2: the key \"source-ref\" appears twice in one object"),
            ("utf16", [0xFF, 0xFE] + Array("{".utf8) + [0], "the file is UTF-16"),
        ]
        for (name, bytes, message) in cases {
            write("\(name).manifest", bytes)
            let result = try lw.run(["import", "--manifest", "\(name).manifest"])
            XCTAssertEqual(result.status, 1, name)
            XCTAssertTrue(result.stderr.contains(message), "\(name): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        XCTAssertEqual(try lw.contentDigest(), before)
    }

    func testLongValuesAreCutInMessagesAndAFIFOInAManifestDoesNotHang() throws {
        XCTAssertEqual(mkfifo(path("pipe.jpg"), 0o644), 0)
        let long = String(repeating: "x", count: 200_000)
        write("input.manifest", Array("{\"source-ref\": \"pipe.jpg\"}\n{\"source-ref\": \"s3://\(long).jpg\"}\n".utf8))
        let result = try lw.run(["import", "--manifest", "input.manifest"], timeout: 60)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(try reasons()["pipe.jpg"]?.contains("a FIFO") ?? false)
        XCTAssertLessThan(result.stderr.count, 2_000, "long values are cut")
        XCTAssertTrue(result.stderr.contains("…"), result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT max(length(source)) FROM import_error"), 200_009, "stored whole")
    }

    func testAFolderSplitThatDoesNotAddUpTo100IsRefused() throws {
        for split in ["50/10/10", "80/10", "80/10/10/0", "a/b/c", "80/-10/30"] {
            let result = try lw.run(["export", "--format", "folder", "--out", "dataset", "--split", split])
            XCTAssertEqual(result.status, 1, split)
            XCTAssertTrue(result.stderr.contains("--split '\(split)'"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("dataset")), "nothing written")
        }
    }

    // MARK: CSV files of votes and answers

    private func votes(_ name: String, _ bytes: [UInt8], extra: [String] = []) throws -> LWRunner.Result {
        write(name, bytes)
        return try lw.run(["votes", "import", name] + extra)
    }

    func testVotesCSVsWithABOMSpacesAndDuplicatesAreRead() throws {
        try lw.makeImages("images", count: 3)
        XCTAssertEqual(try lw.run(["import", "images"]).status, 0)
        let text = "\u{FEFF}worker,source,label\r\n ann , img0000.jpg , logo \r\nann,img0000.jpg,logo\r\n\"bob\",\"img0001.jpg\",no_logo\r\n"
        let result = try votes("votes.csv", Array(text.utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 2, "spaces trimmed, the exact duplicate once")
    }

    func testBadCSVFilesAreRefusedByTheirTrueLineAndChangeNothing() throws {
        try lw.makeImages("images", count: 3)
        XCTAssertEqual(try lw.run(["import", "images"]).status, 0)
        let before = try lw.contentDigest()
        let header = "worker,source,label\n"
        let cases: [(String, [UInt8], String)] = [
            ("empty.csv", [], "empty.csv:1: empty file"),
            ("blank.csv", Array(" \n\n".utf8), "blank.csv:1: empty file"),
            ("utf16.csv", [0xFF, 0xFE] + Array("w".utf8) + [0], "the file is UTF-16"),
            ("nul.csv", Array(header.utf8) + Array("ann,img0000.jpg,lo".utf8) + [0] + Array("go\n".utf8), "nul.csv:2: holds a NUL byte"),
            ("ragged.csv", Array((header + "ann,img0000.jpg,logo\nann,img0001.jpg,logo,extra\n").utf8), "ragged.csv:3: 4 fields, but the header has 3"),
            ("quote.csv", Array((header + "ann,\"img0000.jpg\nx\",logo\nann,img0001.jpg,logo\nbob,\"img0002.jpg,logo\nbob,img0000.jpg,logo\n").utf8),
             "quote.csv:5: CSV syntax error: the quoted field opened here is never closed"),
            ("latin1.csv", Array((header + "ann,caf").utf8) + [0xE9] + Array(".jpg,logo\n".utf8), "latin1.csv:2: not valid UTF-8"),
        ]
        for (name, bytes, message) in cases {
            let result = try votes(name, bytes)
            XCTAssertEqual(result.status, 1, name)
            XCTAssertTrue(result.stderr.contains(message), "\(name): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertFalse(result.stderr.contains("\u{0}"), "a NUL is never echoed")
        }
        // Two different labels from one worker for one image: both rows refused, with or without --skip-invalid.
        let conflict = Array((header + "ann,img0000.jpg,logo\nann,img0000.jpg,no_logo\n").utf8)
        let strict = try votes("conflict.csv", conflict)
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("conflict.csv:2: ann votes 'logo' for img0000.jpg here and 'no_logo' on line 3"), strict.stderr)
        XCTAssertTrue(strict.stderr.contains("conflict.csv:3: ann votes 'logo' for img0000.jpg on line 2 and 'no_logo' here"), strict.stderr)
        XCTAssertEqual(try lw.contentDigest(), before)
        XCTAssertEqual(try votes("conflict.csv", conflict, extra: ["--skip-invalid"]).status, 2)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM vote"), 0, "neither of the two conflicting votes")
    }

    // MARK: Ground Truth output manifests

    private func outputLine(_ ref: String, index: Any? = 0, metadata: [String: Any?]) -> String {
        var object: [String: Any] = ["source-ref": ref]
        if let index { object["logo-job"] = index }
        var meta: [String: Any] = ["class-name": "logo", "confidence": 0.9, "type": "groundtruth/image-classification",
                                   "human-annotated": "yes", "job-name": "labeling-job/logo-job", "creation-date": "2026-01-01T00:00:00"]
        for (k, v) in metadata { meta[k] = v }
        for (k, v) in metadata where v == nil { meta.removeValue(forKey: k) }
        object["logo-job-metadata"] = meta
        return JSON.text(object)
    }

    func testOnlyHumanClassificationLabelsBecomeVotes() throws {
        try lw.makeImages("images", count: 4)
        let lines = [
            outputLine("images/img0000.jpg", metadata: [:]),
            outputLine("images/img0001.jpg", index: 1, metadata: ["class-name": "no_logo", "human-annotated": "no"]),
            outputLine("images/img0002.jpg", index: nil, metadata: ["failure-reason": "ClientError: timed out", "class-name": nil]),
            "{\"source-ref\": \"images/img0003.jpg\"}",
            outputLine("images/img0000.jpg", metadata: [:]),
        ]
        write("output.manifest", Array((lines.joined(separator: "\n") + "\n").utf8))
        let result = try lw.run(["import", "--manifest", "output.manifest", "--labels-from", "logo-job"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image"), 4)
        XCTAssertEqual(try lw.query("SELECT i.source || ' ' || l.name FROM vote v JOIN image i ON i.id = v.image_id JOIN label l ON l.id = v.label_id") as [String],
                       ["images/img0000.jpg logo"], "only the human label; the same line twice counts once")
        XCTAssertTrue(result.stdout.contains("skipped 3 manifest lines without a human label"), result.stdout)
        XCTAssertTrue(result.stderr.contains("output.manifest:2: skipped: a machine label (human-annotated: \"no\")"), result.stderr)
        XCTAssertTrue(result.stderr.contains("output.manifest:3: skipped: labeling failed in Ground Truth"), result.stderr)
        XCTAssertTrue(result.stderr.contains("output.manifest:4: skipped: no 'logo-job' label"), result.stderr)
    }

    func testFaultyLabelLinesAreRefusedBeforeAnythingIsWritten() throws {
        try lw.makeImages("images", count: 2)
        let before = try lw.contentDigest()
        let cases: [(String, String)] = [
            (outputLine("images/img0000.jpg", metadata: ["type": "groundtruth/object-detection"]), "only groundtruth/image-classification labels"),
            (outputLine("images/img0000.jpg", index: 1, metadata: [:]), "class index 1 is 'no_logo' but class-name says 'logo'"),
            (outputLine("images/img0000.jpg", index: 5, metadata: ["class-name": nil]), "class index 5 is outside this job's labels"),
            (outputLine("images/img0000.jpg", index: "zero", metadata: [:]), "must be a whole class index"),
            (outputLine("images/img0000.jpg", metadata: ["confidence": 1.5]), "confidence must be a number from 0 to 1"),
            (outputLine("images/img0000.jpg", metadata: ["human-annotated": "maybe"]), "human-annotated must be \"yes\" or \"no\""),
            (outputLine("images/img0000.jpg", metadata: ["class-name": "cat", "confidence": 0.5]).replacingOccurrences(of: "\"logo-job\":0,", with: ""),
             "class name 'cat' is not one of this job's labels"),
            (outputLine("images/img0001.jpg", metadata: [:]) + "\n" + outputLine("images/img0001.jpg", index: 1, metadata: ["class-name": "no_logo"]),
             "'images/img0001.jpg' is labeled 'logo' on line 1 and 'no_logo' here"),
        ]
        for (number, (line, message)) in cases.enumerated() {
            let name = "bad\(number).manifest"
            write(name, Array((outputLine("images/img0001.jpg", metadata: [:]) + "\n" + line + "\n").utf8))
            let result = try lw.run(["import", "--manifest", name, "--labels-from", "logo-job"])
            XCTAssertEqual(result.status, 1, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("nothing was imported"), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        XCTAssertEqual(try lw.contentDigest(), before, "refused manifests change nothing")
    }
}
