@testable import LabelWorkbench
import XCTest

final class RecallBoundTests: XCTestCase {
    func testBandsCloseOnItemsAndLabelAndKeepEqualScoresTogether() {
        // 30 items scored 0.99 … 0.70 with the label on the top 4, then 40 at 0.1 without it.
        let scores = (0..<30).map { 0.99 - Double($0) * 0.01 } + [Double](repeating: 0.1, count: 40)
        let label = (0..<70).map { $0 < 4 ? 1.0 : 0.0 }
        let bands = RecallBound.bands(scores: scores, label: label)
        XCTAssertEqual(bands.count, 2)
        XCTAssertEqual(bands[0].items, 20)  // 20 items and 4 ≥ 2 of the label: closes at 0.80
        XCTAssertEqual(bands[0].labelItems, 4)
        XCTAssertEqual(bands[0].lowestScore, 0.80, accuracy: 1e-12)
        XCTAssertEqual(bands[1].items, 50)  // no label below: the rest is one band, down to 0
        XCTAssertEqual(bands[1].lowestScore, 0)
        XCTAssertEqual(RecallBound.band(of: 0.95, in: bands), 0)
        XCTAssertEqual(RecallBound.band(of: 0.5, in: bands), 1)
        XCTAssertEqual(RecallBound.band(of: 1.0, in: bands), 0)
    }

    func testEstimateByHand() {
        // One band: 0 of 99 validation items carry the label → share (0 + ½) / (99 + 1) = 0.005.
        let bands = [RecallBound.Band(lowestScore: 0, items: 99, labelItems: 0)]
        let draws = RecallBound.draws(bands, count: 2000)
        let e = RecallBound.estimate(swallowed: [1000], candidates: [1000], human: 10, bands: bands, draws: draws, confidence: 0.95)
        XCTAssertEqual(e.hidden, 5, accuracy: 1e-9)
        XCTAssertEqual(e.total, 15, accuracy: 1e-9)
        XCTAssertEqual(e.recall, 1 - 5.0 / 15, accuracy: 1e-9)
        XCTAssertGreaterThan(e.hiddenUpper, e.hidden)
        XCTAssertLessThan(e.recallLower, e.recall)
        // Beta(½, 99½)'s 95th percentile is ≈ 0.0194 (χ²₁ 3.84 / 2·99.5 ≈ 0.0193): ~19 hidden.
        XCTAssertEqual(e.hiddenUpper, 19.4, accuracy: 2.5)
    }

    func testBetaDrawsHaveTheirMean() {
        var generator = SeededGenerator(seed: 7)
        let draws = (0..<20000).map { _ in Beta.sample(a: 2.5, b: 7.5, using: &generator) }
        XCTAssertEqual(draws.reduce(0, +) / Double(draws.count), 0.25, accuracy: 0.005)
        let small = (0..<20000).map { _ in Beta.sample(a: 0.5, b: 50.5, using: &generator) }
        XCTAssertEqual(small.reduce(0, +) / Double(small.count), 0.5 / 51, accuracy: 0.001)
    }

    /// Validation shows the rare label hiding among confident calls of the other:
    /// the guard raises the other label's threshold until the recall bound holds.
    func testGuardHoldsBackWhereTheRareLabelHides() {
        // Validation: 400 items; 20 of the label, 8 of them scored low (0.05-0.3): the model misses them.
        var scores: [Double] = [], label: [Double] = []
        for i in 0..<380 { scores.append(Double(i % 38) / 100); label.append(0) }          // 0.00…0.37
        for i in 0..<8 { scores.append(0.05 + Double(i) * 0.03); label.append(1) }         // hidden ones
        for i in 0..<12 { scores.append(0.8 + Double(i) * 0.01); label.append(1) }        // found ones
        let bands = RecallBound.bands(scores: scores, label: label)
        // 4,000 unlabeled images like the validation: p(logo) spread the same way.
        let probabilities = (0..<4000).map { i -> [Double] in
            let s = scores[i % scores.count]
            return [s, 1 - s]
        }
        let input = RecallGuard.Input(probabilities: probabilities, thresholds: [0.9, 0.6], bands: [bands, nil], human: [20, 380],
                                      targetRecall: [0.95, 0.95], confidence: 0.95)
        let (thresholds, reports) = RecallGuard.apply(input)
        XCTAssertGreaterThan(thresholds[1]!, 0.6)
        XCTAssertGreaterThan(reports[0].heldBack, 0)
        XCTAssertGreaterThanOrEqual(reports[0].recall!.recallLower, 0.95)
        XCTAssertEqual(thresholds[0], 0.9)
        // Without the guard the recall estimate is far below the target.
        let unguarded = RecallGuard.apply(RecallGuard.Input(probabilities: probabilities, thresholds: [0.9, 0.6], bands: [bands, nil],
                                                            human: [20, 380], targetRecall: [0.01, 0.95], confidence: 0.95))
        XCTAssertLessThan(unguarded.reports[0].recall!.recall, 0.8)
        XCTAssertEqual(unguarded.thresholds[1], 0.6)
    }

    /// A model whose low scores hold none of the label, with plenty of validation: nothing held back.
    func testGuardLeavesACleanModelAlone() {
        var scores: [Double] = [], label: [Double] = []
        for i in 0..<2000 { scores.append(Double(i % 30) / 100); label.append(0) }
        for i in 0..<200 { scores.append(0.9 + Double(i % 10) / 100); label.append(1) }
        let bands = RecallBound.bands(scores: scores, label: label)
        let probabilities = (0..<2000).map { i -> [Double] in
            let s = Double(i % 30) / 100
            return [s, 1 - s]
        }
        let input = RecallGuard.Input(probabilities: probabilities, thresholds: [0.9, 0.7], bands: [bands, nil], human: [200, 2000],
                                      targetRecall: [0.95, 0.95], confidence: 0.95)
        let (thresholds, reports) = RecallGuard.apply(input)
        XCTAssertEqual(thresholds[1], 0.7)
        XCTAssertEqual(reports[0].heldBack, 0)
        XCTAssertGreaterThan(reports[0].recall!.recallLower, 0.95)
        XCTAssertEqual(reports[1].machineLabeled, 2000)
        // The no_logo machine labels' precision: 1 − hidden / 2000, estimated from the logo's bands.
        XCTAssertEqual(reports[1].precision!, 1 - reports[0].recall!.hidden / 2000, accuracy: 1e-9)
    }

    func testWithoutEvidenceNothingChanges() {
        let input = RecallGuard.Input(probabilities: [[0.1, 0.9], [0.8, 0.2]], thresholds: [0.7, 0.7], bands: [nil, nil], human: [1, 1],
                                      targetRecall: [0.95, 0.95], confidence: 0.95)
        let (thresholds, reports) = RecallGuard.apply(input)
        XCTAssertEqual(thresholds, [0.7, 0.7])
        XCTAssertNil(reports[0].recall)
        XCTAssertNil(reports[1].precision)
        XCTAssertEqual(reports.map(\.machineLabeled), [1, 1])
    }

    func testTargetRecallText() throws {
        let labels = ["logo", "no_logo"]
        XCTAssertEqual(try TargetRecall.parse("0.9,logo=0.98", labels: labels), TargetRecall(all: 0.9, byLabel: ["logo": 0.98]))
        XCTAssertEqual(try TargetRecall.parse("0.9,logo=0.98", labels: labels).text(labels: labels), "0.9,logo=0.98")
        XCTAssertEqual(TargetRecall().text(labels: labels), "target-accuracy")
        XCTAssertThrowsError(try TargetRecall.parse("cat=0.9", labels: labels))
        XCTAssertThrowsError(try TargetRecall.parse("1.5", labels: labels))
    }
}
