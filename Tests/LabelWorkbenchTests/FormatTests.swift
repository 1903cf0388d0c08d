import Foundation
import XCTest
@testable import LabelWorkbench

final class FormatTests: XCTestCase {
    func testManifestLinesBecomeCandidatesRelativeToTheManifest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lw-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = dir.appendingPathComponent("in.manifest")
        try """
        {"source-ref": "images/a.jpg", "note": 1}

        {"source-ref": "/abs/b.png"}
        {"source-ref": "s3://bucket/c.jpg"}
        {"source-ref": "file:///abs/d.jpg"}
        """.write(to: manifest, atomically: true, encoding: .utf8)
        let candidates = try ImportSources.manifest(manifest.path)
        XCTAssertEqual(candidates.map(\.source), ["images/a.jpg", "/abs/b.png", "s3://bucket/c.jpg", "file:///abs/d.jpg"])
        XCTAssertEqual(candidates.map(\.path), [dir.path + "/images/a.jpg", "/abs/b.png", "", "/abs/d.jpg"])
        XCTAssertEqual(candidates[0].manifestFields, #"{"note":1,"source-ref":"images/a.jpg"}"#)
    }

    func testBadManifestLinesNameTheLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lw-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (text, line) in [("{\"source-ref\": \"a.jpg\"}\nnot json\n", 2), ("{\"source\": \"a.jpg\"}\n", 1), ("[1,2]\n", 1)] {
            let path = dir.appendingPathComponent("bad.manifest").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ImportSources.manifest(path)) { error in
                guard case .badInputLine(_, let number, _) = error as? LWError else { return XCTFail("\(error)") }
                XCTAssertEqual(number, line)
            }
        }
    }

    func testTimestampsAreISO8601UTCWithMicroseconds() {
        XCTAssertEqual(Timestamp.iso(Date(timeIntervalSince1970: 1_795_000_000.25)), "2026-11-18T11:06:40.250000Z")
    }

    func testWalkSortsSkipsHiddenFilesAndReportsMissingPaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lw-walk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["b.jpg", "a.jpg", ".hidden.jpg", "sub/c.png"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data([1])))
        }
        let found = ImportSources.walk([dir.path]).map { String($0.path.dropFirst(dir.path.count + 1)) }
        XCTAssertEqual(found, ["a.jpg", "b.jpg", "sub/c.png"])
        let missing = ImportSources.walk([dir.appendingPathComponent("nope").path])
        XCTAssertEqual(missing.map(\.failure), ["file not found; check the path"])
    }

    func testFolderNamesStayInsideTheirFolder() throws {
        XCTAssertEqual(FolderLayout.safeName("../../etc/passwd"), "passwd")
        XCTAssertEqual(FolderLayout.safeName("/x/.hidden"), "hidden")
        XCTAssertEqual(FolderLayout.safeName("a/\u{1}b\nc.jpg"), "_b_c.jpg")
        XCTAssertEqual(FolderLayout.safeName(".."), "image")
        XCTAssertEqual(FolderLayout.distinctName("same.jpg", imageId: 4), "same-4.jpg")
        XCTAssertEqual(try FolderLayout.parseSplit("80/10/10"), [0.8, 0.1, 0.1])
        XCTAssertThrowsError(try FolderLayout.parseSplit("80/20"))
    }
}
