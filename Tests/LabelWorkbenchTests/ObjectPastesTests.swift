import XCTest
@testable import LabelWorkbench

final class ObjectPastesTests: XCTestCase {
    /// The cut-out is the object alone, trimmed to it, fully opaque.
    func testCutoutIsTheObjectTrimmed() throws {
        let cut = try XCTUnwrap(ObjectPastes.cutout(TestPictures.square(box: (30, 28, 40, 34)), centreX: 35, centreY: 31, window: 24))
        XCTAssertEqual(cut.image.width, 10)
        XCTAssertEqual(cut.image.height, 6)
        XCTAssertTrue(cut.mask.allSatisfy { $0 == 1 })
        XCTAssertEqual(TestPictures.pixel(cut.image, 0, 0), [220, 30, 30])
    }

    /// No object (one colour) or one that fills the window (not told apart from its background): no cut-out.
    func testNoCutoutWithoutASeparableObject() {
        XCTAssertNil(ObjectPastes.cutout(TestPictures.square(box: nil), centreX: 32, centreY: 32, window: 24))
        XCTAssertNil(ObjectPastes.cutout(TestPictures.square(box: (12, 12, 52, 52)), centreX: 32, centreY: 32, window: 24))
    }

    /// A paste changes only its box, blends at its opacity, mirrors, and is clipped at the image's edge.
    func testPastedBlendsInsideItsBoxOnly() throws {
        let cut = try XCTUnwrap(ObjectPastes.cutout(TestPictures.square(box: (30, 30, 40, 40)), centreX: 35, centreY: 35, window: 24))
        let background = TestPictures.square(fill: (0, 0, 200), box: nil)
        let full = ObjectPastes.pasted(cut, into: background, x: 5, y: 7, width: 5, height: 5, opacity: 1, flip: false)
        for y in 0..<64 { for x in 0..<64 {
            let inside = (5..<10).contains(x) && (7..<12).contains(y)
            XCTAssertEqual(TestPictures.pixel(full, x, y), inside ? [220, 30, 30] : [0, 0, 200], "(\(x), \(y))")
        } }
        let half = ObjectPastes.pasted(cut, into: background, x: 5, y: 7, width: 5, height: 5, opacity: 0.5, flip: true)
        XCTAssertEqual(TestPictures.pixel(half, 6, 8), [110, 15, 115])
        let clipped = ObjectPastes.pasted(cut, into: background, x: 60, y: 60, width: 10, height: 10, opacity: 1, flip: false)
        XCTAssertEqual(TestPictures.pixel(clipped, 63, 63), [220, 30, 30])
        XCTAssertEqual(TestPictures.pixel(clipped, 59, 59), [0, 0, 200])
    }

    /// Pastes go into reference-label examples only, are certain examples of
    /// the object's label, and repeat with the seed; none without backgrounds.
    func testMakePastesIntoReferenceExamples() {
        var teacher = ConvNet(side: 64, classes: 2, seed: 1)
        teacher.headWeights = teacher.headWeights.map { _ in 0 }
        teacher.headBias = [20]  // P(label 0) ≈ 1: every object is located
        let objects = (0..<3).map { i in ConvNetTraining.Example(image: TestPictures.square(box: (10 + i, 10, 20 + i, 20)), target: [1, 0]) }
        let empty = TestPictures.square(fill: (0, 0, 200), box: nil)
        let examples = objects + [ConvNetTraining.Example(image: empty, target: [0, 1])]
        let pastes = ObjectPastes.make(from: examples, teacher: teacher, perObject: 2, seed: 5)
        XCTAssertEqual(pastes.count, 6)
        XCTAssertTrue(pastes.allSatisfy { $0.target == [1, 0] && $0.image != empty })
        XCTAssertTrue(pastes.allSatisfy { paste in (0..<64).contains { x in (0..<64).contains { y in TestPictures.pixel(paste.image, x, y)[0] > 100 } } },
                      "the red object is in every paste")
        XCTAssertEqual(ObjectPastes.make(from: examples, teacher: teacher, perObject: 2, seed: 5).map(\.image), pastes.map(\.image))
        XCTAssertTrue(ObjectPastes.make(from: objects, teacher: teacher, perObject: 2, seed: 5).isEmpty, "no background")
        XCTAssertTrue(ObjectPastes.make(from: examples, teacher: teacher, perObject: 0, seed: 5).isEmpty)
    }
}
