import XCTest
@testable import LabelWorkbench

final class SelfTrainingTests: XCTestCase {
    /// Per label, the most confident half of the teacher's calls, at most the cap.
    func testPseudoLabelsKeepTheConfidentHalfOfEachLabel() {
        let scores: [[Double]] = [
            [0.99, 0.01], [0.60, 0.40], [0.90, 0.10], [0.70, 0.30],  // four called label 0
            [0.20, 0.80], [0.45, 0.55],                              // two called label 1
        ]
        let picked = SelfTraining.pseudoLabels(scores)
        XCTAssertEqual(picked.map(\.index), [0, 2, 4])
        XCTAssertEqual(picked.map(\.label), [0, 0, 1])

        let capped = SelfTraining.pseudoLabels(scores, cap: 1)
        XCTAssertEqual(capped.map(\.index), [0, 4], "one per label: the most confident")
    }

    func testPseudoLabelsLeaveALoneCallAndTiesAreStable() {
        XCTAssertTrue(SelfTraining.pseudoLabels([[0.99, 0.01]]).isEmpty, "half of one call is none")
        XCTAssertTrue(SelfTraining.pseudoLabels([]).isEmpty)
        let tied: [[Double]] = [[0.8, 0.2], [0.8, 0.2], [0.8, 0.2], [0.8, 0.2]]
        XCTAssertEqual(SelfTraining.pseudoLabels(tied).map(\.index), [0, 1], "ties keep the lower index")
    }
}
