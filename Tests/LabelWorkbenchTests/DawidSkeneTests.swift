import XCTest
@testable import LabelWorkbench

final class DawidSkeneTests: XCTestCase {
    /// Three items, three workers, two classes; one EM iteration from majority vote,
    /// computed by hand:
    ///   majority vote T = [[2/3, 1/3], [0, 1], [1/2, 1/2]]
    ///   weighted vote counts for true class 0: labelled 0: 2·2/3 + 1/2 = 11/6, labelled 1: 2/3 + 1/2 = 7/6
    ///   pooled row 0 = (11/6 + 4·0.8, 7/6 + 4·0.2) / (3 + 4) = (0.71905, 0.28095)
    ///   worker 0, row 0: counts (2/3 + 1/2, 0) → ((7/6 + 2·0.71905) / (7/6 + 2), …) = (0.82256, 0.17744)
    ///   priors = (1 + 7/6, 1 + 11/6) / 5 = (0.43333, 0.56667)
    ///   item 0: 0.43333·0.82256·0.66466·0.46071 vs 0.56667·0.33140·0.20097·0.86889 → 0.76897 / 0.23103
    func testOneIterationMatchesHandComputedPosteriors() {
        let ballots = [(0, 0, 0), (0, 1, 0), (0, 2, 1), (1, 0, 1), (1, 1, 1), (1, 2, 1), (2, 0, 0), (2, 1, 1)]
            .map { Ballot(item: $0.0, worker: $0.1, label: $0.2) }
        let result = DawidSkene.fit(ballots, items: 3, workers: 3, classes: 2, maxIterations: 1)
        XCTAssertEqual(result.iterations, 1)
        XCTAssertEqual(result.priors[0], 0.43333, accuracy: 0.005)
        XCTAssertEqual(result.confusion[0][0][0], 0.82256, accuracy: 0.005)
        XCTAssertEqual(result.confusion[2][1][1], 0.86889, accuracy: 0.005)
        XCTAssertEqual(result.posteriors[0][0], 0.76897, accuracy: 0.005)
        XCTAssertEqual(result.posteriors[1][1], 0.95679, accuracy: 0.005)
        XCTAssertEqual(result.posteriors[2][1], 0.55662, accuracy: 0.005)
        XCTAssertEqual(result.labels, [0, 1, 1])
    }

    func testUnanimousVotesAreConfidentButNotCertain() {
        let ballots = (0..<20).flatMap { item in (0..<3).map { Ballot(item: item, worker: $0, label: item % 2) } }
        let result = DawidSkene.fit(ballots, items: 20, workers: 3, classes: 2)
        XCTAssertEqual(result.labels, (0..<20).map { $0 % 2 })
        for p in result.posteriors { XCTAssertGreaterThan(p.max()!, 0.95); XCTAssertLessThan(p.max()!, 1.0) }
    }

    func testNoVotesGivesNoItems() {
        let result = DawidSkene.fit([], items: 0, workers: 0, classes: 2)
        XCTAssertTrue(result.labels.isEmpty)
        XCTAssertEqual(result.priors.reduce(0, +), 1, accuracy: 1e-9)
    }

    func testTieIsBrokenTowardTheLowerClassIndexAndFlagged() {
        // Two interchangeable workers disagree on one item and nothing else is known.
        let result = DawidSkene.fit([Ballot(item: 0, worker: 0, label: 1), Ballot(item: 0, worker: 1, label: 0)],
                                    items: 1, workers: 2, classes: 2)
        XCTAssertEqual(result.posteriors[0][0], result.posteriors[0][1], accuracy: 1e-9)
        XCTAssertEqual(result.labels, [0])
        XCTAssertEqual(result.ties, [true])
        XCTAssertEqual(DawidSkene.decide([0.2, 0.4, 0.4]).label, 1)
        XCTAssertEqual(DawidSkene.decide([0.2, 0.5, 0.3]).tie, false)
    }

    /// One vote: the confidence is the worker's estimated reliability, not 1.0.
    func testSingleVoteConfidenceComesFromTheWorkersAccuracy() {
        // Workers 1 and 2 are right 90% of the time, worker 0 80%, errors in both
        // directions; the last item has only worker 0's vote.
        var rng = SeededGenerator(seed: 7)
        var ballots: [Ballot] = []
        for item in 0..<200 {
            let truth = item % 2
            for (w, accuracy) in [(0, 0.8), (1, 0.9), (2, 0.9)] {
                ballots.append(Ballot(item: item, worker: w, label: rng.unit() < accuracy ? truth : 1 - truth))
            }
        }
        ballots.append(Ballot(item: 200, worker: 0, label: 1))
        let result = DawidSkene.fit(ballots, items: 201, workers: 3, classes: 2)
        XCTAssertEqual(result.labels[200], 1)
        XCTAssertEqual(result.posteriors[200][1], 0.8, accuracy: 0.07)
        XCTAssertEqual(result.accuracy(ofWorker: 0), result.posteriors[200][1], accuracy: 0.05)
    }

    /// 300 items, 3 honest 85%-workers, a spammer who always says 0 and an
    /// adversary who is right 10% of the time: the spammer's votes count for
    /// nothing, the adversary's are read inverted, and consensus beats majority vote.
    func testSpammerAndAdversarialWorkersAreDiscounted() {
        var rng = SeededGenerator(seed: 42)
        var ballots: [Ballot] = []
        var truth: [Int] = []
        for item in 0..<300 {
            let y = Int(rng.next() % 2)
            truth.append(y)
            for w in 0..<3 { ballots.append(Ballot(item: item, worker: w, label: rng.unit() < 0.85 ? y : 1 - y)) }
            ballots.append(Ballot(item: item, worker: 3, label: 0))
            ballots.append(Ballot(item: item, worker: 4, label: rng.unit() < 0.1 ? y : 1 - y))
        }
        let result = DawidSkene.fit(ballots, items: 300, workers: 5, classes: 2)
        let dsCorrect = zip(result.labels, truth).filter { $0 == $1 }.count
        let mv = DawidSkene.majorityVote(ballots, items: 300, classes: 2).map { DawidSkene.decide($0).label }
        let mvCorrect = zip(mv, truth).filter { $0 == $1 }.count
        XCTAssertGreaterThan(dsCorrect, mvCorrect)
        XCTAssertGreaterThan(Double(dsCorrect) / 300, 0.93)
        XCTAssertLessThan(result.accuracy(ofWorker: 4), 0.2, "the adversary is estimated as mostly wrong")
        // The spammer's confusion rows are alike: their vote says nothing about the truth.
        XCTAssertEqual(result.confusion[3][0][0], result.confusion[3][1][0], accuracy: 0.1)
    }

    func testDeterministic() {
        var ballots: [Ballot] = []
        for i in 0..<50 {
            for j in 0..<3 {
                let label = (i * 7 + j * 3) % 3 == 0 ? 1 : 0
                ballots.append(Ballot(item: i, worker: (i + j) % 7, label: label))
            }
        }
        let a = DawidSkene.fit(ballots, items: 50, workers: 7, classes: 2)
        let b = DawidSkene.fit(ballots, items: 50, workers: 7, classes: 2)
        XCTAssertEqual(a.posteriors, b.posteriors)
    }
}
