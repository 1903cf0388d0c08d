import XCTest
@testable import LabelWorkbench

/// The suspect score on hand-made cases, and an expert's vote in Dawid–Skene.
final class SuspectRankingTests: XCTestCase {
    private func item(_ given: Int, posterior: Double, model: Double, tie: Bool = false, voters: Double? = 0.9) -> LabelEvidence {
        // Two labels: `posterior` and `model` are the probabilities of the given label.
        let other = 1 - given
        var posteriors = [0.0, 0.0], probabilities = [0.0, 0.0]
        posteriors[given] = posterior; posteriors[other] = 1 - posterior
        probabilities[given] = model; probabilities[other] = 1 - model
        return LabelEvidence(given: given, posteriors: posteriors, tie: tie, model: probabilities, voterAccuracy: voters)
    }

    func testThresholdsAreEachLabelsMeanSelfConfidence() {
        let items = [item(0, posterior: 0.99, model: 0.9), item(0, posterior: 0.99, model: 0.7), item(1, posterior: 0.99, model: 0.6)]
        let t = SuspectRanking.thresholds(items, classes: 2)
        XCTAssertEqual(t[0], 0.8, accuracy: 1e-12)
        XCTAssertEqual(t[1], 0.6, accuracy: 1e-12)
        XCTAssertEqual(SuspectRanking.thresholds([item(0, posterior: 1, model: 1)], classes: 2)[1], 1, "a label nobody gave: no threshold reached")
    }

    func testAConfidentlyContradictedUnanimousLabelRanksAboveConfirmedAndNoisyOnes() {
        let items = [
            item(0, posterior: 0.999, model: 0.97),  // confirmed
            item(0, posterior: 0.995, model: 0.03),  // unanimous, but the model is sure of the other label
            item(1, posterior: 0.70, model: 0.90),   // a 2:1 vote the model confirms
            item(1, posterior: 0.999, model: 0.95),
        ]
        let ranked = SuspectRanking.rank(items, classes: 2)
        XCTAssertEqual(ranked.map(\.index), [1, 2, 3, 0])
        let top = ranked[0].suspicion
        XCTAssertEqual(top.suggested, 1)
        XCTAssertEqual(top.reasons, [.model])
        XCTAssertGreaterThan(top.score, 0.1, "three agreeing votes still make the label likely, but the model casts doubt on it")
        XCTAssertEqual(ranked[1].suspicion.reasons, [.uncertainConsensus])
        XCTAssertTrue(ranked.allSatisfy { (0...1).contains($0.suspicion.score) })
    }

    func testTiesAndWeakWorkersAreReasonsAndRaiseTheScore() {
        let items = [item(0, posterior: 0.5, model: 0.5, tie: true), item(0, posterior: 0.95, model: 0.5, voters: 0.6),
                     item(0, posterior: 0.95, model: 0.5), item(1, posterior: 0.95, model: 0.9)]
        let t = SuspectRanking.thresholds(items, classes: 2), p = SuspectRanking.priors(items, classes: 2)
        let tie = SuspectRanking.assess(items[0], thresholds: t, priors: p)
        let weak = SuspectRanking.assess(items[1], thresholds: t, priors: p)
        let plain = SuspectRanking.assess(items[2], thresholds: t, priors: p)
        XCTAssertTrue(tie.reasons.contains(.uncertainConsensus))
        XCTAssertTrue(weak.reasons.contains(.weakWorkers))
        XCTAssertFalse(plain.reasons.contains(.weakWorkers))
        XCTAssertGreaterThan(tie.score, plain.score)
        XCTAssertEqual(weak.score, plain.score, accuracy: 1e-12, "worker quality reaches the score only through the posterior")
    }

    func testThreeLabelsSuggestTheMostLikelyOther() {
        let item = LabelEvidence(given: 0, posteriors: [0.9, 0.05, 0.05], tie: false, model: [0.1, 0.2, 0.7], voterAccuracy: nil)
        let s = SuspectRanking.assess(item, thresholds: [0.8, 0.8, 0.6], priors: [1.0 / 3, 1.0 / 3, 1.0 / 3])
        XCTAssertEqual(s.suggested, 2)
        XCTAssertEqual(s.reasons, [.model])
    }

    func testAnExpertsVoteSettlesAnImageAgainstTwoWorkers() {
        // Image 0: two workers say 1, the expert (worker 2) says 0. Images 1–6 teach the workers' quality.
        var ballots = [Ballot(item: 0, worker: 0, label: 1), Ballot(item: 0, worker: 1, label: 1), Ballot(item: 0, worker: 2, label: 0)]
        for i in 1...6 { for w in 0..<3 { ballots.append(Ballot(item: i, worker: w, label: i % 2)) } }
        let free = DawidSkene.fit(ballots, items: 7, workers: 3, classes: 2)
        XCTAssertEqual(free.labels[0], 1, "without the expert flag the majority wins")
        let settled = DawidSkene.fit(ballots, items: 7, workers: 3, classes: 2, settled: [0: 0])
        XCTAssertEqual(settled.labels[0], 0)
        XCTAssertEqual(settled.posteriors[0], [1, 0])
        XCTAssertEqual(settled.labels[1...6].map { $0 }, (1...6).map { $0 % 2 }, "the others are still decided by their votes")
    }
}
