import XCTest
@testable import LabelWorkbench

/// The multiple-instance head on synthetic maps: positives carry one
/// position with a signal channel somewhere among noise positions.
final class MILHeadTests: XCTestCase {
    static func maps(count: Int, seed: UInt64) -> (maps: [FeatureMap], labels: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var maps: [FeatureMap] = [], labels: [Int] = []
        for i in 0..<count {
            let positive = i % 2 == 0, h = 3 + i % 3, w = 4, c = 8
            var values = (0..<(h * w * c)).map { _ in Float.random(in: -1...1, using: &rng) }
            // Channel 2 is weakly raised everywhere in both classes: pooled first, it means nothing.
            for p in 0..<(h * w) { values[p * c + 2] += 0.5 }
            if positive { values[Int.random(in: 0..<(h * w), using: &rng) * c + 5] += 3 }
            maps.append(FeatureMap(height: h, width: w, channels: c, values: values))
            labels.append(positive ? 0 : 1)  // the object's label first, "none" last
        }
        return (maps, labels)
    }

    func testFindsTheObjectWhereverItIs() {
        let train = Self.maps(count: 80, seed: 1), test = Self.maps(count: 40, seed: 2)
        let head = MILHead.fit(train.maps, labels: train.labels, sampleWeights: train.labels.map { _ in 1 }, classes: 2, l2: 0.001,
                               standardization: MILHead.standardization(train.maps))
        let right = zip(test.maps, test.labels).filter { map, label in
            let p = head.probabilities(map)
            return (p[0] > p[1] ? 0 : 1) == label
        }.count
        XCTAssertGreaterThanOrEqual(right, 38, "right on \(right) of 40")
        // The signal channel carries the largest weight.
        let strongest = (0..<8).max { abs(head.weights[$0]) < abs(head.weights[$1]) }
        XCTAssertEqual(strongest, 5)
    }

    func testProbabilitiesSumToOneForThreeLabels() {
        let data = Self.maps(count: 30, seed: 3)
        let labels = data.labels.enumerated().map { $0.offset % 3 }
        let head = MILHead.fit(data.maps, labels: labels, sampleWeights: labels.map { _ in 1 }, classes: 3, l2: 0.01,
                               standardization: MILHead.standardization(data.maps))
        for map in data.maps.prefix(5) { XCTAssertEqual(head.probabilities(map).reduce(0, +), 1, accuracy: 1e-9) }
        XCTAssertEqual(head.weights.count, 2 * 8)
    }

    func testFittingIsDeterministic() {
        let data = Self.maps(count: 20, seed: 4)
        let fit = { MILHead.fit(data.maps, labels: data.labels, sampleWeights: data.labels.map { _ in 1 }, classes: 2, l2: 0.01,
                                standardization: MILHead.standardization(data.maps)) }
        XCTAssertEqual(fit(), fit())
    }

    func testTheCacheStoresMapsAsHalfPrecision() {
        let values: [Float] = [0, 1, -2.5, 10.4105, 65504, 1e-3]
        let decoded = BackboneCache.decode(BackboneCache.encode(values))
        XCTAssertEqual(decoded.count, values.count)
        for (a, b) in zip(decoded, values) { XCTAssertEqual(a, b, accuracy: abs(b) * 1e-3 + 1e-6) }
    }
}
