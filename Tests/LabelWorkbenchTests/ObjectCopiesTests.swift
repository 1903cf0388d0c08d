import XCTest
@testable import LabelWorkbench

final class ObjectCopiesTests: XCTestCase {
    /// The object (far in colour from the window's border) becomes the flat
    /// colour; the background and everything outside the window stay.
    func testFlattenedPaintsTheObjectAndLeavesTheBackground() {
        let image = TestPictures.square(box: (30, 30, 40, 40))
        let copy = ObjectCopies.flattened(image, centreX: 35, centreY: 35, window: 24, colour: (255, 255, 255))
        for y in 0..<64 { for x in 0..<64 {
            let inSquare = (30..<40).contains(x) && (30..<40).contains(y)
            XCTAssertEqual(TestPictures.pixel(copy, x, y), inSquare ? [255, 255, 255] : TestPictures.pixel(image, x, y), "(\(x), \(y))")
        } }
    }

    /// A window centred near a corner moves inside the image; an object
    /// outside the window is left alone.
    func testWindowIsMovedInsideTheImage() {
        var image = TestPictures.square(box: (2, 2, 8, 8))
        for y in 50..<54 { for x in 50..<54 { let o = (y * 64 + x) * 3; image.pixels[o] = 220; image.pixels[o + 1] = 30; image.pixels[o + 2] = 30 } }
        let copy = ObjectCopies.flattened(image, centreX: 0, centreY: 0, window: 24, colour: (0, 0, 0))
        XCTAssertEqual(TestPictures.pixel(copy, 2, 2), [0, 0, 0])
        XCTAssertEqual(TestPictures.pixel(copy, 7, 7), [0, 0, 0])
        XCTAssertEqual(TestPictures.pixel(copy, 51, 51), [220, 30, 30], "outside the window")
        XCTAssertEqual(TestPictures.pixel(copy, 20, 20), [40, 120, 60])
        // A window larger than the image is the whole image.
        let small = TestPictures.square(width: 16, height: 12, box: (5, 4, 9, 8))
        let whole = ObjectCopies.flattened(small, centreX: 8, centreY: 6, window: 96, colour: (0, 0, 255))
        XCTAssertEqual(TestPictures.pixel(whole, 6, 5), [0, 0, 255])
        XCTAssertEqual(TestPictures.pixel(whole, 0, 0), [40, 120, 60])
    }

    /// A pixel close to a border colour is background: a window of one colour changes nothing.
    func testUniformWindowIsUnchanged() {
        let plain = RGBImage(width: 32, height: 32, fill: (90, 90, 90))
        XCTAssertEqual(ObjectCopies.flattened(plain, centreX: 16, centreY: 16, window: 12, colour: (255, 0, 0)), plain)
    }

    func testColoursAreMostlyWhiteOrBlackAndSeeded() {
        var rng = SeededGenerator(seed: 3)
        let colours = (0..<2000).map { _ in ObjectCopies.colour(&rng) }
        let white = colours.filter { $0 == (255, 255, 255) }.count, black = colours.filter { $0 == (0, 0, 0) }.count
        XCTAssertEqual(Double(white) / 2000, 0.4, accuracy: 0.04)
        XCTAssertEqual(Double(black) / 2000, 0.3, accuracy: 0.04)
        var again = SeededGenerator(seed: 3)
        XCTAssertTrue(zip(colours.prefix(50), (0..<50).map { _ in ObjectCopies.colour(&again) }).allSatisfy { $0 == $1 })
    }

    /// Copies are made of the examples the teacher is sure of, of every label
    /// but the last (the network's reference, which has no score map), with
    /// that label as a certain target; the same seed gives the same copies.
    func testMakeCopiesConfidentExamplesOfLabelsWithAScoreMap() {
        var teacher = ConvNet(side: 64, classes: 2, seed: 1)
        teacher.headWeights = teacher.headWeights.map { _ in 0 }
        teacher.headBias = [20]  // P(label 0) ≈ 1 for every image
        let examples = (0..<5).map { i in
            ConvNetTraining.Example(image: TestPictures.square(box: (10 + i, 10, 20 + i, 20)), target: i < 3 ? [0.9, 0.1] : [0.2, 0.8])
        }
        let copies = ObjectCopies.make(from: examples, teacher: teacher, seed: 7)
        XCTAssertEqual(copies.count, 3, "only the examples whose label is the first")
        XCTAssertTrue(copies.allSatisfy { $0.target == [1, 0] })
        XCTAssertTrue(zip(copies, examples).allSatisfy { $0.image != $1.image }, "each copy is flattened somewhere")
        XCTAssertEqual(ObjectCopies.make(from: examples, teacher: teacher, seed: 7).map(\.image), copies.map(\.image))

        teacher.headBias = [-20]  // the teacher is sure of nothing labeled 0
        XCTAssertTrue(ObjectCopies.make(from: examples, teacher: teacher, seed: 7).isEmpty)
        XCTAssertTrue(ObjectCopies.make(from: [], teacher: teacher, seed: 7).isEmpty)
    }
}
