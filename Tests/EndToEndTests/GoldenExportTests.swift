import Foundation
import XCTest

/// Every export format of a small, fixed database against a golden file
/// (Tests/EndToEndTests/Golden/; regenerate with LW_UPDATE_GOLDEN=1). Dates
/// are the only thing that varies, and are masked.
final class GoldenExportTests: XCTestCase {
    static let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func testExportFormatsMatchGoldenFiles() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        try lw.run(["init", "--labels", "logo,no_logo", "--job-name", "golden-job"])
        try lw.makeImages("images", count: 4, seed: 42, size: (24, 16))
        let manifest = (0..<4).map { i in "{\"source-ref\": \"images/img000\(i).\(i == 4 ? "png" : "jpg")\", \"row\": \(i)}" }.joined(separator: "\n")
        try manifest.write(to: lw.directory.appendingPathComponent("in.manifest"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["import", "--manifest", "in.manifest"]).status, 0)
        var votes = "worker,source,label\n"
        for (i, labels) in [["logo", "logo", "logo"], ["no_logo", "no_logo", "logo"], ["no_logo", "no_logo", "no_logo"]].enumerated() {
            for (w, label) in zip(["ann", "bob", "cy"], labels) { votes += "\(w),images/img000\(i).jpg,\(label)\n" }
        }
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        for (format, file) in [("csv", "export.csv"), ("manifest", "export.manifest"), ("label-config", "label-config.json")] {
            let out = try lw.run(["export", "--format", format])
            XCTAssertEqual(out.status, 0, out.stderr)
            let masked = out.stdout.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"#, with: "DATE", options: .regularExpression)
            let golden = Self.goldenFolder.appendingPathComponent(file)
            if ProcessInfo.processInfo.environment["LW_UPDATE_GOLDEN"] == "1" {
                try masked.write(to: golden, atomically: true, encoding: .utf8)
            }
            XCTAssertEqual(masked, try String(contentsOf: golden, encoding: .utf8), "\(format) differs from \(file)")
        }
    }
}
