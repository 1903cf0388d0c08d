@testable import LabelWorkbench
import XCTest

final class ReferencePastesTests: XCTestCase {
    /// A 20×10 opaque red bar on a transparent 30×30 canvas.
    private func bar() -> ObjectPastes.Cutout {
        var pixels = [UInt8](repeating: 0, count: 30 * 30 * 3), alpha = [Float](repeating: 0, count: 30 * 30)
        for y in 10..<20 { for x in 5..<25 { pixels[(y * 30 + x) * 3] = 255; alpha[y * 30 + x] = 1 } }
        return ReferencePastes.cutout(RGBImage(width: 30, height: 30, pixels: pixels), alpha: alpha)
    }

    func testTurningKeepsTheShapesArea() {
        let cutout = bar()
        for degrees in [0.0, 15, -20] {
            let turned = ReferencePastes.rotated(cutout, degrees: degrees)
            let area = turned.mask.reduce(0, +)
            XCTAssertEqual(Double(area), 200, accuracy: 200 * 0.12, "\(degrees)°: \(area)")
            XCTAssertGreaterThanOrEqual(turned.image.width, 30)
        }
    }

    func testExamplesComeInPairsOnTheJobsPictures() {
        // A picture of stripes: every patch of it differs from a plain one.
        let values: [UInt8] = (0..<(64 * 48 * 3)).map { (i: Int) -> UInt8 in UInt8((i / 3 % 64) / 8 * 30) }
        let stripes = RGBImage(width: 64, height: 48, pixels: values)
        let made = ReferencePastes.make(references: [(label: 0, cutout: bar())], backgrounds: [stripes], absence: 1, perReference: 10, seed: 3)
        XCTAssertEqual(made.count, 20)
        XCTAssertEqual(made.filter { $0.label == 0 }.count, 10, "as many negatives as positives")
        // Every example changed its background somewhere: the paste is there.
        let changed = made.map { (example: ReferencePastes.Example) -> Int in zip(example.image.pixels, values).filter { $0.0 != $0.1 }.count }
        XCTAssertTrue(changed.allSatisfy { $0 > 0 }, "pixels changed per example: \(changed)")
        // Seeded: the same call makes the same pictures.
        let again = ReferencePastes.make(references: [(label: 0, cutout: bar())], backgrounds: [stripes], absence: 1, perReference: 10, seed: 3)
        XCTAssertTrue(again.map { $0.image.pixels } == made.map { $0.image.pixels })
    }

    func testAPNGsTransparentPartsAreNotReference() throws {
        // The RGBA decoder keeps the opacity the grey-composing decoder flattens.
        let cutout = bar()
        XCTAssertEqual(cutout.mask.filter { $0 > 0 }.count, 200)
        XCTAssertEqual(ReferencePastes.cutout(RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 12))).mask, [1, 1, 1, 1])
    }
}
