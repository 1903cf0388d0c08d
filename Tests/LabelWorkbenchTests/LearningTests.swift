import XCTest
@testable import LabelWorkbench

final class ThresholdSearchTests: XCTestCase {
    func testWilsonLowerBoundKnownValues() {
        // 95 of 100 at z = 1.96: 0.8882 (textbook value).
        XCTAssertEqual(ThresholdSearch.wilsonLowerBound(successes: 95, n: 100, z: 1.96), 0.8882, accuracy: 0.0005)
        XCTAssertEqual(ThresholdSearch.wilsonLowerBound(successes: 10, n: 10, z: 1.96), 0.7225, accuracy: 0.0005)
        XCTAssertEqual(ThresholdSearch.wilsonLowerBound(successes: 0, n: 0), 0)
        // The default is one-sided 95% (z 1.645): 95 of 100 → 0.9008.
        XCTAssertEqual(ThresholdSearch.wilsonLowerBound(successes: 95, n: 100), 0.9008, accuracy: 0.0005)
    }

    func testZScoreIsTheNormalQuantile() {
        XCTAssertEqual(ThresholdSearch.zScore(confidence: 0.975), 1.959964, accuracy: 1e-6)
        XCTAssertEqual(ThresholdSearch.zScore(confidence: 0.95), 1.644854, accuracy: 1e-6)
        XCTAssertEqual(ThresholdSearch.zScore(confidence: 0.99), 2.326348, accuracy: 1e-6)
        XCTAssertEqual(ThresholdSearch.zScore(confidence: 0.8413447), 1.0, accuracy: 1e-6)
        XCTAssertEqual(ThresholdSearch.defaultZ, ThresholdSearch.zScore(confidence: 0.95))
    }

    func testAStricterBoundNeedsMoreEvidenceAndNeverLowersTheThreshold() {
        // 60 of 60 right at 0.99, then 0.9 items 90% right: 95% confidence certifies
        // the 60 (60/(60 + z²) = 0.957), 97.5% does not (0.940).
        let items = (0..<60).map { _ in ThresholdSearch.Item(confidence: 0.99, correct: 1) }
            + (0..<40).map { ThresholdSearch.Item(confidence: 0.9, correct: $0 < 36 ? 1 : 0) }
        let lenient = ThresholdSearch.search(items, target: 0.95, z: ThresholdSearch.zScore(confidence: 0.95))
        let strict = ThresholdSearch.search(items, target: 0.95, z: ThresholdSearch.zScore(confidence: 0.975))
        XCTAssertEqual(lenient.threshold, 0.99)
        XCTAssertEqual(lenient.minimumItems, 52)
        XCTAssertNil(strict.threshold)
        XCTAssertEqual(strict.minimumItems, 73)
    }

    func testPicksTheLowestThresholdWhoseBoundReachesTheTarget() {
        // 200 items at confidence 0.99, all right; 100 at 0.8, 70% right.
        let items = (0..<200).map { _ in ThresholdSearch.Item(confidence: 0.99, correct: 1) }
            + (0..<100).map { ThresholdSearch.Item(confidence: 0.8, correct: $0 < 70 ? 1 : 0) }
        let result = ThresholdSearch.search(items, target: 0.95)
        XCTAssertEqual(result.threshold, 0.99)
        XCTAssertEqual(result.covered, 200)
        XCTAssertGreaterThanOrEqual(result.lowerBound, 0.95)
        // With a 0.85 target the 0.8 items may join: 270/300 = 0.9, bound 0.868.
        XCTAssertEqual(ThresholdSearch.search(items, target: 0.85).threshold, 0.8)
    }

    func testRefusesWhenValidationIsTooSmallToSupportTheTarget() {
        let items = (0..<50).map { _ in ThresholdSearch.Item(confidence: 0.99, correct: 1) }
        let result = ThresholdSearch.search(items, target: 0.95)
        XCTAssertNil(result.threshold, "50 of 50 right cannot show 95% with a 95% bound")
        XCTAssertEqual(result.minimumItems, 52)
        XCTAssertEqual(ThresholdSearch.search((0..<60).map { _ in .init(confidence: 0.9, correct: 1) }, target: 0.95).threshold, 0.9)
        XCTAssertNil(ThresholdSearch.search((0..<60).map { _ in .init(confidence: 0.9, correct: 1) }, target: 0.95, z: 1.96).threshold)
    }

    func testNoisyLabelsCountByTheirPosterior() {
        // Every prediction agrees with a consensus that is only 90% sure: expected accuracy 0.9 < 0.95.
        let items = (0..<1000).map { _ in ThresholdSearch.Item(confidence: 0.99, correct: 0.9) }
        XCTAssertNil(ThresholdSearch.search(items, target: 0.95).threshold)
    }

    /// Simulated validation: a model right `precision` of the time; three voters
    /// each right `workerAccuracy` of the time; the consensus posterior of the
    /// model's label computed exactly from the votes (two balanced labels).
    func simulated(_ count: Int, precision: Double, workerAccuracy: Double, seed: UInt64) -> [ThresholdSearch.Item] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let modelRight = rng.unit() < precision
            let agreeing = (0..<3).filter { _ in (rng.unit() < workerAccuracy) == modelRight }.count  // votes for the model's label
            let a = workerAccuracy
            let forLabel = pow(a, Double(agreeing)) * pow(1 - a, Double(3 - agreeing))
            let against = pow(1 - a, Double(agreeing)) * pow(a, Double(3 - agreeing))
            return ThresholdSearch.Item(confidence: 0.99, correct: forLabel / (forLabel + against), prior: 0.5)
        }
    }

    func testJointEstimateRecoversAGoodModelsAccuracyUnderNoisyLabels() {
        // Voters right 80% of the time: weighting by the consensus posterior says ~0.87;
        // the model is 97% right, and the joint estimate says so.
        let items = simulated(2000, precision: 0.97, workerAccuracy: 0.8, seed: 3)
        let posteriorWeighted = items.reduce(0) { $0 + $1.correct } / Double(items.count)
        XCTAssertLessThan(posteriorWeighted, 0.9)
        let joint = ThresholdSearch.jointPrecision(items[...])
        XCTAssertEqual(joint.precision, 0.97, accuracy: 0.015)
        XCTAssertLessThan(joint.effectiveItems, Double(items.count), "noisy items count as less than whole ones")
        // Labels this noisy are not trusted for the joint estimate: each item counts by its posterior.
        XCTAssertFalse(ThresholdSearch.usesJointEstimate(items))
        XCTAssertLessThan(ThresholdSearch.certainty(items), ThresholdSearch.jointEstimateMinimumCertainty)
        XCTAssertNil(ThresholdSearch.search(items, target: 0.95).threshold)
    }

    func testJointEstimateCertifiesAGoodModelWhenLabelsAreNearCertain() {
        // Voters right 95% of the time (certainty ≈ 0.97): the joint estimate is used.
        let items = simulated(1500, precision: 0.985, workerAccuracy: 0.95, seed: 4)
        XCTAssertTrue(ThresholdSearch.usesJointEstimate(items))
        XCTAssertEqual(ThresholdSearch.certainty([.init(confidence: 0.9, correct: 1), .init(confidence: 0.9, correct: 0.5)]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(ThresholdSearch.jointPrecision(items[...]).precision, 0.985, accuracy: 0.01)
        let joint = ThresholdSearch.search(items, target: 0.97)
        let weighted = ThresholdSearch.search(items.map { .init(confidence: $0.confidence, correct: $0.correct) }, target: 0.97)
        XCTAssertEqual(joint.threshold, 0.99)
        XCTAssertNil(weighted.threshold, "weighting by the posterior alone understates the model: \(weighted.bestLowerBound)")
    }

    func testJointEstimateDoesNotFlatterAWeakModel() {
        for (precision, seed) in [(0.7, UInt64(1)), (0.9, 2), (0.93, 5)] {
            let items = simulated(1500, precision: precision, workerAccuracy: 0.8, seed: seed)
            XCTAssertEqual(ThresholdSearch.jointPrecision(items[...]).precision, precision, accuracy: 0.03)
            XCTAssertNil(ThresholdSearch.search(items, target: 0.95).threshold, "precision \(precision)")
        }
    }

    func testJointEstimateWithCertainLabelsIsTheRawAccuracy() {
        let items = (0..<100).map { ThresholdSearch.Item(confidence: 0.9, correct: $0 < 96 ? 1 : 0, prior: 0.3) }
        let joint = ThresholdSearch.jointPrecision(items[...])
        XCTAssertEqual(joint.precision, 0.96, accuracy: 1e-6)
        XCTAssertEqual(joint.effectiveItems, 100, accuracy: 1e-9)
        XCTAssertEqual(ThresholdSearch.labelPriors([[1, 0], [0.5, 0.5], [0, 1], [0.9, 0.1]], classes: 2), [0.6, 0.4])
    }

    func testAUC() {
        XCTAssertEqual(ThresholdSearch.auc(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true]), 0.75)
        XCTAssertNil(ThresholdSearch.auc(scores: [0.1], positives: [true]))
    }

    func testMeanOneVsRestAUC() {
        // Two labels: the usual AUC (each label's AUC against the other is the same).
        let binary = [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]]
        XCTAssertEqual(ThresholdSearch.meanOneVsRestAUC(binary, labels: [0, 0, 1, 1], classes: 2), 0.75)
        // Three labels: the first two ranked perfectly against the rest, the third at 0.5 (every
        // image scores 0.1 for it: all ties): (1 + 1 + 0.5) / 3.
        let three = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1]]
        XCTAssertEqual(ThresholdSearch.meanOneVsRestAUC(three, labels: [0, 1, 1, 2], classes: 3)!, 2.5 / 3, accuracy: 1e-12)
        // A label nobody has adds nothing; no label with both sides: nil.
        XCTAssertEqual(ThresholdSearch.meanOneVsRestAUC(binary, labels: [0, 0, 1, 1], classes: 2),
                       ThresholdSearch.meanOneVsRestAUC(binary.map { $0 + [0] }, labels: [0, 0, 1, 1], classes: 3))
        XCTAssertNil(ThresholdSearch.meanOneVsRestAUC([[1, 0]], labels: [0], classes: 2))
    }
}

final class ClassifierTests: XCTestCase {
    func testSeparableDataIsLearnedAndDeterministic() {
        var rng = SeededGenerator(seed: 3)
        var x: [[Float]] = [], y: [Int] = []
        for i in 0..<200 {
            let label = i % 2
            x.append([Float(rng.unit()) + Float(label) * 2, Float(rng.unit()), Float(rng.unit())])
            y.append(label)
        }
        let s = Standardizer.fit(x)
        let a = SoftmaxRegression.fit(x.map(s.apply), labels: y, classes: 2, l2: 0.001)
        let b = SoftmaxRegression.fit(x.map(s.apply), labels: y, classes: 2, l2: 0.001)
        XCTAssertEqual(a, b)
        let correct = zip(x, y).filter { Probabilities.argmax(a.probabilities(s.apply($0.0))) == $0.1 }.count
        XCTAssertEqual(correct, 200)
        XCTAssertGreaterThan(a.probabilities(s.apply([3, 0.5, 0.5]))[1], 0.9)
    }

    func testThreeClasses() {
        let x: [[Float]] = (0..<90).map { i in [Float(i % 3 == 0 ? 1 : 0), Float(i % 3 == 1 ? 1 : 0)] }
        let y = (0..<90).map { $0 % 3 }
        let model = SoftmaxRegression.fit(x, labels: y, classes: 3, l2: 0.001)
        for i in 0..<3 { XCTAssertEqual(Probabilities.argmax(model.probabilities(x[i])), i) }
    }
}

final class FeatureTests: XCTestCase {
    func testMultiplyMatchesNaiveProduct() {
        try? check(m: 7, k: 5, n: 9)
        try? check(m: 13, k: 108, n: 364)
    }

    private func check(m: Int, k: Int, n: Int) throws {
        let a = (0..<(m * k)).map { Float($0 % 7) - 3 }, b = (0..<(k * n)).map { Float($0 % 5) * 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            LinearAlgebra.multiply(ap.baseAddress!, bp.baseAddress!, cp.baseAddress!, m: m, k: k, n: n)
        } } }
        for i in 0..<m { for j in 0..<n {
            let expected = (0..<k).reduce(Float(0)) { $0 + a[i * k + $1] * b[$1 * n + j] }
            XCTAssertEqual(c[i * n + j], expected, accuracy: 1e-3 * max(1, abs(expected)))
        } }
    }

    func testSymmetricEigenReconstructs() {
        let matrix: [Double] = [4, 1, 2, 1, 3, 0, 2, 0, 5]
        let (values, vectors) = LinearAlgebra.symmetricEigen(matrix, size: 3)
        for a in 0..<3 { for b in 0..<3 {
            let r = (0..<3).reduce(0.0) { $0 + vectors[a * 3 + $1] * values[$1] * vectors[b * 3 + $1] }
            XCTAssertEqual(r, matrix[a * 3 + b], accuracy: 1e-9)
        } }
    }

    /// A small mark anywhere in the frame: learned filters + max pooling make
    /// the two classes separable where global statistics could not.
    func testSmallMarkAnywhereIsSeparable() throws {
        let specs = (0..<240).map { i -> SyntheticImages.Spec in
            var s = SyntheticImages.Spec(width: 96, height: 72, withMark: i % 2 == 0, seed: UInt64(1000 + i))
            s.markScale = 0.2...0.3
            return s
        }
        let images = specs.map(SyntheticImages.render)
        let bank = FeatureExtractor.learnBank(from: images.map { Resize.fit($0, maxWidth: 64, maxHeight: 64) }, side: 64, k: 64,
                                              patches: 20_000, seed: 1)
        let extractor = FeatureExtractor(banks: [bank])
        XCTAssertEqual(extractor, FeatureExtractor(banks: [FeatureExtractor.learnBank(from: images.map { Resize.fit($0, maxWidth: 64, maxHeight: 64) },
                                                                                       side: 64, k: 64, patches: 20_000, seed: 1)]),
                       "seeded: the same filters")
        let features = images.map { extractor.encode([Resize.fit($0, maxWidth: 64, maxHeight: 64)]) }
        let labels = specs.map { $0.withMark ? 0 : 1 }
        let oof = TrainModel.outOfFold(x: features, y: labels, weights: [Double](repeating: 1, count: 240),
                                       folds: (0..<240).map { $0 % 5 }, classes: 2, l2: 0.01)
        let accuracy = Double(zip(oof, labels).filter { Probabilities.argmax($0.0) == $0.1 }.count) / 240
        XCTAssertGreaterThan(accuracy, 0.85, "held-out accuracy \(accuracy)")
    }
}
