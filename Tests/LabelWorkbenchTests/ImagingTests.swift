import CPNG
import XCTest
@testable import LabelWorkbench

final class ImagingTests: XCTestCase {
    let picture = SyntheticImages.render(.init(width: 320, height: 240, withMark: true, seed: 3))

    func testJPEGRoundTripProbesSizeAndFormat() throws {
        let jpeg = try JPEGCodec.encode(picture, quality: 90)
        let probe = try jpeg.withUnsafeBytes { try ImageProbe.probe($0) }
        XCTAssertEqual([probe.format, probe.width, probe.height] as [AnyHashable], [ImageFormat.jpeg, 320, 240])
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
        let probe = try png.withUnsafeBytes { try ImageProbe.probe($0) }
        XCTAssertEqual(probe, ImageProbe(format: .png, width: 320, height: 240, picture: picture))
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

final class PNGValidatorTests: XCTestCase {
    /// The validator never accepts a file libpng rejects: truncations at every
    /// 97th byte and single-byte flips across the file.
    func testValidatorRejectsEverythingLibpngRejects() throws {
        let picture = SyntheticImages.render(.init(width: 120, height: 90, withMark: true, seed: 5))
        let png = try PNGCodec.encode(picture)
        XCTAssertEqual(try png.withUnsafeBytes { try PNGValidator.validate($0) }.width, 120)
        var variants: [[UInt8]] = stride(from: 0, to: png.count, by: 97).map { Array(png.prefix($0)) }
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<300 {
            var copy = png
            copy[Int(rng.next() % UInt64(png.count))] ^= UInt8(1 + rng.next() % 255)
            variants.append(copy)
        }
        var rejectedByBoth = 0
        for variant in variants {
            let libpngAccepts = (try? variant.withUnsafeBytes { try PNGCodec.decode($0) }) != nil
            let validatorAccepts = (try? variant.withUnsafeBytes { try PNGValidator.validate($0) }) != nil
            if !libpngAccepts {
                XCTAssertFalse(validatorAccepts, "validator accepted a file libpng rejects")
                rejectedByBoth += 1
            }
        }
        XCTAssertGreaterThan(rejectedByBoth, 100)
    }

    func testGreyPaletteAndAlphaPNGsValidate() throws {
        // libpng's writer in other formats: grey, grey+alpha, RGBA.
        for (format, channels) in [(Int(PNG_FORMAT_GRAY), 1), (Int(PNG_FORMAT_GA), 2), (Int(PNG_FORMAT_RGB) | Int(PNG_FORMAT_FLAG_ALPHA), 4)] {
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            image.width = 33; image.height = 17
            image.format = UInt32(format)
            let pixels = (0..<(33 * 17 * channels)).map { UInt8($0 % 251) }
            var size = 0
            _ = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
            var out = [UInt8](repeating: 0, count: size)
            _ = out.withUnsafeMutableBytes { dst in pixels.withUnsafeBytes { png_image_write_to_memory(&image, dst.baseAddress, &size, 0, $0.baseAddress, 0, nil) } }
            let result = try Array(out.prefix(size)).withUnsafeBytes { try PNGValidator.validate($0) }
            XCTAssertEqual(result.width, 33)
            XCTAssertEqual(result.height, 17)
        }
    }
}
