import XCTest
@testable import LabelWorkbench

final class ImagingTests: XCTestCase {
    let picture = SyntheticImages.render(.init(width: 320, height: 240, withMark: true, seed: 3))

    func testJPEGRoundTripProbesSizeAndFormat() throws {
        let jpeg = try JPEGCodec.encode(picture, quality: 90)
        let probe = try jpeg.withUnsafeBytes { try ImageProbe.probe($0) }
        XCTAssertEqual(probe, ImageProbe(format: .jpeg, width: 320, height: 240))
        let decoded = try jpeg.withUnsafeBytes { try JPEGCodec.decode($0) }
        XCTAssertEqual(decoded.width, 320)
        // Lossy but close: mean absolute error well under 10 levels.
        let error = zip(decoded.pixels, picture.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        XCTAssertLessThan(Double(error) / Double(picture.pixels.count), 10)
    }

    func testScaledJPEGDecodeChoosesSmallestScaleAboveMinimum() throws {
        let jpeg = try JPEGCodec.encode(picture)
        let image = try jpeg.withUnsafeBytes { try JPEGCodec.decode($0, minSide: 60) }
        XCTAssertEqual(image.width, 80)  // 1/4 of 320; 1/8 would give 30 rows < 60
        XCTAssertEqual(image.height, 60)
        XCTAssertEqual(JPEGCodec.scaledSize(width: 1600, height: 1200, minSide: 128).0, 200)
    }

    func testPNGRoundTripIsLossless() throws {
        let png = try PNGCodec.encode(picture)
        XCTAssertEqual(try png.withUnsafeBytes { try ImageProbe.probe($0) }, ImageProbe(format: .png, width: 320, height: 240))
        XCTAssertEqual(try png.withUnsafeBytes { try PNGCodec.decode($0) }, picture)
    }

    func testTruncatedJPEGIsRejected() throws {
        let jpeg = try JPEGCodec.encode(picture)
        let cut = Array(jpeg.prefix(jpeg.count / 2))
        XCTAssertThrowsError(try cut.withUnsafeBytes { try ImageProbe.probe($0) }) { error in
            XCTAssertTrue("\(error)".contains("truncated JPEG"), "\(error)")
        }
    }

    func testCorruptJPEGHeaderIsRejected() throws {
        var jpeg = try JPEGCodec.encode(picture)
        for i in 3..<min(200, jpeg.count) { jpeg[i] = 0x00 }
        XCTAssertThrowsError(try jpeg.withUnsafeBytes { try ImageProbe.probe($0) }) { error in
            XCTAssertTrue("\(error)".contains("JPEG"), "\(error)")
        }
    }

    func testTruncatedAndCorruptPNGAreRejected() throws {
        let png = try PNGCodec.encode(picture)
        let cut = Array(png.prefix(png.count / 2))
        XCTAssertThrowsError(try cut.withUnsafeBytes { try ImageProbe.probe($0) }) { error in
            XCTAssertTrue("\(error)".contains("PNG"), "\(error)")
        }
        var flipped = png
        flipped[png.count / 2] ^= 0xFF  // breaks a CRC or the zlib stream
        XCTAssertThrowsError(try flipped.withUnsafeBytes { try ImageProbe.probe($0) })
    }

    func testEmptyNonImageAndUnsupportedFilesHaveClearReasons() {
        func reason(_ bytes: [UInt8]) -> String {
            do { _ = try bytes.withUnsafeBytes { try ImageProbe.probe($0) }; return "accepted" } catch { return "\(error)" }
        }
        XCTAssertEqual(reason([]), "empty file (0 bytes)")
        XCTAssertTrue(reason(Array("hello, world".utf8)).hasPrefix("not an image"))
        XCTAssertTrue(reason(Array("GIF89a....".utf8)).hasPrefix("unsupported format GIF"))
        XCTAssertTrue(reason(Array("RIFF\0\0\0\0WEBPVP8 ".utf8)).hasPrefix("unsupported format WEBP"))
    }

    func testSyntheticImagesAreDeterministicAndTheMarkChangesThem() {
        let a = SyntheticImages.render(.init(width: 64, height: 48, withMark: false, seed: 9))
        XCTAssertEqual(a, SyntheticImages.render(.init(width: 64, height: 48, withMark: false, seed: 9)))
        XCTAssertNotEqual(a, SyntheticImages.render(.init(width: 64, height: 48, withMark: true, seed: 9)))
    }

    func testContentHashIsSHA256() {
        let hex = Array("abc".utf8).withUnsafeBytes { ContentHash.sha256Hex($0) }
        XCTAssertEqual(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
