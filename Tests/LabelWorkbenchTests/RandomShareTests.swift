@testable import LabelWorkbench
import XCTest

/// How many of a round's new images `lw assign` draws at random.
final class RandomShareTests: XCTestCase {
    func testAShareOfTheBudgetWhileImagesAwaitingALabelFillIt() {
        XCTAssertEqual(AssignImages.randomCount(budget: 400, awaiting: 3_000, share: 0.2), 80)
        XCTAssertEqual(AssignImages.randomCount(budget: 401, awaiting: 3_000, share: 0.2), 81, "rounded up")
    }

    /// Late rounds with few images awaiting a label spend no more than the
    /// share on random picks (which may be machine-labeled images).
    func testBesideFewAwaitingImagesTheShareOfTheRound() {
        XCTAssertEqual(AssignImages.randomCount(budget: 400, awaiting: 40, share: 0.2), 10, "10 of 50 new images")
        XCTAssertEqual(AssignImages.randomCount(budget: 400, awaiting: 0, share: 0.2), 0)
        XCTAssertEqual(AssignImages.randomCount(budget: .max, awaiting: 100, share: 0.2), 25, "no limit: beside every awaiting image")
    }

    func testNoShareOrAllAtRandom() {
        XCTAssertEqual(AssignImages.randomCount(budget: 400, awaiting: 3_000, share: 0), 0)
        XCTAssertEqual(AssignImages.randomCount(budget: 400, awaiting: 10, share: 1), 400)
        XCTAssertEqual(AssignImages.randomCount(budget: .max, awaiting: 10, share: 1), 10, "no limit: as many as await a label")
    }
}
