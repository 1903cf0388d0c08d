import XCTest
@testable import LabelWorkbench

/// lw auto-label's rule for one image's machine label, as a pure function.
final class AutoLabelDecisionTests: XCTestCase {
    typealias Current = (model: Int64, label: Int64, confidence: Double)

    private func decide(_ current: Current?, label: Int64 = 1, confidence: Double, threshold: Double?, busy: Bool = false) -> AutoLabel.Decision {
        AutoLabel.decide(current: current, modelId: 7, labelId: label, confidence: confidence, threshold: threshold, busy: busy)
    }

    func testAboveTheThresholdAnImageIsLabeledUnlessAHumanHasIt() {
        XCTAssertEqual(decide(nil, confidence: 0.96, threshold: 0.95), .add)
        XCTAssertEqual(decide(nil, confidence: 0.95, threshold: 0.95), .add, "at the threshold counts")
        XCTAssertEqual(decide(nil, confidence: 0.96, threshold: 0.95, busy: true), .leave, "an open assignment waits for the human")
        XCTAssertEqual(decide(nil, confidence: 0.99, threshold: nil), .leave, "no threshold certifies nothing")
        XCTAssertEqual(decide(nil, confidence: 0.90, threshold: 0.95), .leave)
    }

    func testALaterModelRevisesUpdatesOrKeeps() {
        XCTAssertEqual(decide((7, 1, 0.96), confidence: 0.9602, threshold: 0.95), .keep, "same model, same call")
        XCTAssertEqual(decide((7, 1, 0.96), confidence: 0.97, threshold: 0.95), .update(revised: false))
        XCTAssertEqual(decide((3, 1, 0.96), confidence: 0.96, threshold: 0.95), .update(revised: false), "a newer model takes it over")
        XCTAssertEqual(decide((3, 0, 0.96), confidence: 0.96, threshold: 0.95), .update(revised: true), "another label")
    }

    func testALabelTheLatestModelDoesNotConfirmGoesBackToHumans() {
        XCTAssertEqual(decide((3, 1, 0.97), confidence: 0.90, threshold: 0.95), .withdraw, "agrees, below its threshold")
        XCTAssertEqual(decide((3, 0, 0.97), confidence: 0.90, threshold: 0.95), .withdraw, "contradicts")
        XCTAssertEqual(decide((3, 1, 0.97), confidence: 0.90, threshold: nil), .leave, "no threshold: withdraws only what it contradicts")
        XCTAssertEqual(decide((3, 0, 0.97), confidence: 0.90, threshold: nil), .withdraw)
        XCTAssertEqual(decide((3, 1, 0.97), confidence: 0.99, threshold: 0.95, busy: true), .leave, "busy, confirmed: stands")
        XCTAssertFalse(AutoLabel.Decision.withdraw.isLabeled)
        XCTAssertTrue(AutoLabel.Decision.update(revised: true).isLabeled)
    }
}
