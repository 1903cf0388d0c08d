import CPNG
import Foundation
import GRDB
import XCTest
@testable import LabelWorkbench

/// The library side of references, for code that ranks images against them:
/// every reference in class order, and its pixels.
final class ReferenceRecordTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lw-references-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A `width`×`height` RGBA PNG: opaque red on the left half, fully transparent on the right.
    func halfTransparentPNG(width: Int = 32, height: Int = 20) throws -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        for y in 0..<height { for x in 0..<(width / 2) { let o = (y * width + x) * 4; pixels[o] = 220; pixels[o + 3] = 255 } }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        (image.width, image.height, image.format) = (UInt32(width), UInt32(height), UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA))  // RGBA (the macro is not imported)
        var size = 0
        _ = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { dst in pixels.withUnsafeBytes { png_image_write_to_memory(&image, dst.baseAddress, &size, 0, $0.baseAddress, 0, nil) } }
        XCTAssertNotEqual(ok, 0)
        return Array(out.prefix(size))
    }

    func testAllIsInClassOrderAndTransparencyIsComposedOnMidGrey() throws {
        let path = directory.appendingPathComponent("lw.db").path
        let context = RunContext(actor: "test", command: "test", arguments: [])
        _ = try InitJob.run(databasePath: path, settings: JobSettings(name: "j", labels: ["logo", "badge", "none"]), context: context)
        let store = try Store.openExisting(path: path)
        let logo = directory.appendingPathComponent("logo.png").path, badge = directory.appendingPathComponent("badge.jpg").path
        try Data(halfTransparentPNG()).write(to: URL(fileURLWithPath: logo))
        try Data(JPEGCodec.encode(RGBImage(width: 24, height: 24, fill: (10, 200, 10)))).write(to: URL(fileURLWithPath: badge))
        _ = try AddReferences.run([badge], label: "badge", store: store, context: context)
        _ = try AddReferences.run([logo], label: "logo", store: store, context: context)

        let all = try store.pool.read { try ReferenceRecord.all($0) }
        XCTAssertEqual(all.map(\.source), [logo, badge], "label class order first, then id")
        let picture = try all[0].picture()
        XCTAssertEqual([picture.width, picture.height], [32, 20])
        XCTAssertEqual(Array(picture.pixels[0..<3]), [220, 0, 0])
        let right = (5 * 32 + 30) * 3
        XCTAssertEqual(Array(picture.pixels[right..<(right + 3)]), [128, 128, 128])
        let green = try all[1].picture()
        XCTAssertEqual(green.width, 24)
        XCTAssertGreaterThan(green.pixels[1], 150)
    }
}
