import XCTest
@testable import LabelWorkbench

/// The perceptual hash on generated pictures and their resized, re-encoded
/// and cropped copies; the index finds exactly the pairs within the radius.
final class PerceptualHashTests: XCTestCase {
    private func picture(_ seed: UInt64) -> RGBImage {
        SyntheticImages.render(.init(width: 320, height: 240, withMark: seed % 2 == 0, seed: seed))
    }

    private func reencoded(_ image: RGBImage, quality: Int) throws -> RGBImage {
        let jpeg = try JPEGCodec.encode(image, quality: quality)
        return try jpeg.withUnsafeBytes { try JPEGCodec.decode($0) }
    }

    private func cropped(_ image: RGBImage, share: Double) -> RGBImage {
        let dx = Int(Double(image.width) * share / 2), dy = Int(Double(image.height) * share / 2)
        let w = image.width - 2 * dx, h = image.height - 2 * dy
        var pixels = [UInt8]()
        pixels.reserveCapacity(w * h * 3)
        for y in dy..<(dy + h) { pixels += image.pixels[((y * image.width + dx) * 3)..<((y * image.width + dx + w) * 3)] }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    func testCopiesStayWithinTheRadiusAndOtherPicturesDoNot() throws {
        var resized: [Int] = [], cropped: [Int] = [], strangers: [Int] = []
        for seed in UInt64(1)...12 {
            let original = picture(seed), hash = PerceptualHash.of(original)
            for copy in [Resize.area(original, width: 200, height: 150), try reencoded(original, quality: 60)] {
                resized.append(PerceptualHash.distance(hash, PerceptualHash.of(copy)))
            }
            for copy in [self.cropped(original, share: 0.05), try reencoded(Resize.area(self.cropped(original, share: 0.05), width: 240, height: 180), quality: 75)] {
                cropped.append(PerceptualHash.distance(hash, PerceptualHash.of(copy)))
            }
            strangers.append(PerceptualHash.distance(hash, PerceptualHash.of(picture(seed + 100))))
        }
        XCTAssertLessThanOrEqual(resized.max()!, 4, "resized or re-encoded: \(resized)")
        // Cropping moves more bits; on these drawn pictures one in twelve goes past the radius.
        XCTAssertGreaterThanOrEqual(cropped.filter { $0 <= PerceptualHash.radius }.count, 20, "cropped 5%: \(cropped)")
        XCTAssertGreaterThan(strangers.min()!, PerceptualHash.radius + 6, "other pictures: \(strangers)")
    }

    func testTheIndexFindsExactlyThePairsWithinTheRadius() {
        var generator = SeededGenerator(seed: 5)
        var hashes = (0..<400).map { _ in generator.next() }
        // Near-duplicates of the first ten: 3, 7 and 10 bits flipped; one 11 bits away, not a duplicate.
        for i in 0..<10 {
            for flips in [3, 7, 10] {
                var h = hashes[i]
                for bit in 0..<flips { h ^= 1 << UInt64((bit * 7 + i) % 64) }
                hashes.append(h)
            }
        }
        var far = hashes[20]
        for bit in 0..<11 { far ^= 1 << UInt64(bit * 5) }
        hashes.append(far)
        let groups = NearDuplicateIndex.groups(hashes, radius: 10)
        // The brute-force answer: single-linkage groups of pairs within 10 bits.
        var expected = Set<Set<Int>>()
        var assigned = Set<Int>()
        for i in hashes.indices where !assigned.contains(i) {
            var group: Set<Int> = [i], frontier = [i]
            while let j = frontier.popLast() {
                for k in hashes.indices where !group.contains(k) && PerceptualHash.distance(hashes[j], hashes[k]) <= 10 {
                    group.insert(k); frontier.append(k)
                }
            }
            assigned.formUnion(group)
            if group.count > 1 { expected.insert(group) }
        }
        XCTAssertEqual(Set(groups.map(Set.init)), expected)
        XCTAssertTrue(groups.contains { Set($0) == [0, 400, 401, 402] }, "\(groups.prefix(3))")
        XCTAssertFalse(groups.contains { $0.contains(hashes.count - 1) }, "11 bits away is not a near-duplicate")
    }
}
