import XCTest
@testable import LabelWorkbench

/// The linear fits' budget: a fixed number of examples per step, however
/// many labels there are, and the fits still learn on windows.
final class MinibatchesTests: XCTestCase {
    func testAFewExamplesAreOneFullBatch() {
        let batches = Minibatches(count: 300, batch: 512, exactUpTo: 512)
        XCTAssertTrue(batches.isFullBatch)
        XCTAssertEqual(batches.order, Array(0..<300))
        XCTAssertEqual(batches.window(step: 7), Array(0..<300))
    }

    func testTheWorkPerStepDoesNotGrowWithTheLabels() {
        for count in [513, 1_000, 5_000, 50_000] {
            let batches = Minibatches(count: count, batch: 512, exactUpTo: 512)
            XCTAssertFalse(batches.isFullBatch)
            for step in [0, 1, 97, 299] { XCTAssertEqual(batches.window(step: step).count, 512, "\(count) labels, step \(step)") }
        }
    }

    /// The defaults: exact while a fold of a loop's labels fits, windows beyond.
    func testTheDefaultsAreExactUpTo2048ExamplesThenWindowsOf768() {
        XCTAssertTrue(Minibatches(count: 2_048).isFullBatch)
        let beyond = Minibatches(count: 2_049)
        XCTAssertFalse(beyond.isFullBatch)
        XCTAssertEqual(beyond.window(step: 3).count, 768)
        XCTAssertEqual(Minibatches(count: 50_000).window(step: 0).count, 768)
    }

    func testEachPassReadsEveryExampleOnceInASeededOrder() {
        let batches = Minibatches(count: 1_000, batch: 100, exactUpTo: 100)
        let pass = (0..<10).flatMap { batches.window(step: $0) }
        XCTAssertEqual(Set(pass).count, 1_000)
        XCTAssertNotEqual(batches.order, Array(0..<1_000), "shuffled")
        XCTAssertEqual(batches.order, Minibatches(count: 1_000, batch: 100, exactUpTo: 100).order, "the same order every time")
        // A window that runs past the end wraps round to the start.
        let wrapping = Minibatches(count: 250, batch: 100, exactUpTo: 100)
        XCTAssertEqual(wrapping.window(step: 2), Array(wrapping.order[200..<250] + wrapping.order[0..<50]))
    }

    func testTheRegressionLearnsOnWindows() {
        var rng = SeededGenerator(seed: 5)
        var x: [[Float]] = [], y: [Int] = []
        for i in 0..<1_500 {
            let label = i % 2
            x.append([Float(rng.unit()) + Float(label), Float(rng.unit()), Float(rng.unit())])
            y.append(label)
        }
        let s = Standardizer.fit(x)
        let full = SoftmaxRegression.fit(x.map(s.apply), labels: y, classes: 2, l2: 0.01, batch: 2_000, exactUpTo: 2_000)
        let windows = SoftmaxRegression.fit(x.map(s.apply), labels: y, classes: 2, l2: 0.01, batch: 128, exactUpTo: 128)
        XCTAssertEqual(windows, SoftmaxRegression.fit(x.map(s.apply), labels: y, classes: 2, l2: 0.01, batch: 128, exactUpTo: 128), "deterministic")
        XCTAssertNotEqual(windows, full, "a different path")
        for probe: [Float] in [[0.2, 0.5, 0.5], [0.5, 0.5, 0.5], [0.8, 0.5, 0.5], [1.5, 0.1, 0.9]] {
            XCTAssertEqual(windows.probabilities(s.apply(probe))[1], full.probabilities(s.apply(probe))[1], accuracy: 0.03, "\(probe)")
        }
    }

    func testTheHeadLearnsOnWindows() {
        let train = MILHeadTests.maps(count: 400, seed: 11), test = MILHeadTests.maps(count: 60, seed: 12)
        var settings = MILHead.Settings()
        settings.batch = 64
        settings.exactUpTo = 64
        let fit = {
            MILHead.fit(train.maps, labels: train.labels, sampleWeights: train.labels.map { _ in 1 }, classes: 2, l2: 0.001,
                        standardization: MILHead.standardization(train.maps), settings: settings)
        }
        let head = fit()
        XCTAssertEqual(head, fit(), "deterministic")
        let right = zip(test.maps, test.labels).filter { map, label in
            let p = head.probabilities(map)
            return (p[0] > p[1] ? 0 : 1) == label
        }.count
        XCTAssertGreaterThanOrEqual(right, 57, "right on \(right) of 60")
    }

    /// An image's positions are rescored every 10 steps on a full batch, and on
    /// windows every visit that spans about 15 steps, whatever the label count.
    func testTheHeadRescoresAnImageAfterAboutTheSameStepsAtAnyLabelCount() {
        let settings = MILHead.Settings()
        func every(_ images: Int) -> Int {
            MILHead.refreshEvery(images: images, batches: Minibatches(count: images), settings: settings)
        }
        XCTAssertEqual(every(1_000), 10, "full batch: every 10th visit is every 10th step")
        XCTAssertEqual(every(2_260), 5, "a window comes round every 2.9 steps")
        XCTAssertEqual(every(4_000), 3)
        XCTAssertEqual(every(40_000), 1)
        for images in [2_100, 2_260, 4_000, 9_000] {
            let stepsPerVisit = Double(images) / Double(Minibatches.defaultWindow)
            XCTAssertEqual(Double(every(images)) * stepsPerVisit, 15, accuracy: stepsPerVisit / 2 + 0.01, "\(images)")
        }
    }
}
