import Foundation
import XCTest

/// Where lw train's backbone comes from: a file that is not EfficientNet-Lite0's
/// checkpoint is refused with a one-line error naming it, and nothing is stored.
final class BackboneWeightsTests: XCTestCase {
    func testAWrongWeightsFileIsRefusedAndNothingIsStored() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "a,b", "--features", "64:64"]).status, 0)
        let paths = try lw.makeImages("photos", count: 40, size: (32, 24))
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        let votes = "worker,source,label\n" + paths.enumerated().map { "w1,\(($0.element as NSString).lastPathComponent),\($0.offset % 2 == 0 ? "a" : "b")\n" }.joined()
        try votes.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let bogus = lw.directory.appendingPathComponent("weights.pth")
        try Data("not a checkpoint".utf8).write(to: bogus)
        let refused = try lw.run(["train"], environment: ["LW_BACKBONE": bogus.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains(bogus.path) && refused.stderr.contains("SHA-256") && refused.stderr.contains("make weights"), refused.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM backbone"), 0)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model"), 0)
        // Without the backbone the job trains as before.
        XCTAssertEqual(try lw.run(["settings", "set", "--backbone", "off"]).status, 0)
        let trained = try lw.run(["train"], environment: ["LW_BACKBONE": bogus.path])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model") as [String], ["softmax-regression-l2"])
    }
}
