import XCTest
@testable import LabelWorkbench

/// Images that lie: corrupt data libjpeg only warns about, a missing EOI,
/// headers that claim more pixels than a job accepts.
final class HostileImageTests: XCTestCase {
    let picture = SyntheticImages.render(.init(width: 320, height: 240, withMark: true, seed: 3))

    private func reason(_ bytes: [UInt8], maxPixels: Int = 100_000_000) -> String {
        do { _ = try bytes.withUnsafeBytes { try ImageProbe.probe($0, maxPixels: maxPixels) }; return "accepted" } catch { return "\(error)" }
    }

    func testAJPEGMissingOnlyItsEndMarkerIsAccepted() throws {
        let jpeg = try JPEGCodec.encode(picture)
        XCTAssertEqual(Array(jpeg.suffix(2)), [0xFF, 0xD9])
        let noEOI = Array(jpeg.dropLast(2))
        XCTAssertEqual(reason(noEOI), "accepted")
        XCTAssertEqual(try noEOI.withUnsafeBytes { try JPEGCodec.decode($0) }, try jpeg.withUnsafeBytes { try JPEGCodec.decode($0) })
    }

    func testEveryLibjpegWarningRejectsTheFile() throws {
        let jpeg = try JPEGCodec.encode(picture)
        // Stray bytes before the end marker: "extraneous bytes before marker".
        let extraneous = Array(jpeg.dropLast(2)) + [UInt8](repeating: 0x55, count: 100) + [0xFF, 0xD9]
        XCTAssertTrue(reason(extraneous).hasPrefix("corrupt JPEG ("), reason(extraneous))
        // Cut in the middle of the scan but closed with an end marker: "premature end of data segment".
        let cut = Array(jpeg.prefix(jpeg.count / 2)) + [0xFF, 0xD9]
        XCTAssertTrue(reason(cut).hasPrefix("corrupt JPEG ("), reason(cut))
        // Cut with no end marker at all: truncated.
        XCTAssertTrue(reason(Array(jpeg.prefix(jpeg.count / 2))).hasPrefix("truncated JPEG"))
    }

    func testAJPEGClaimingTooManyPixelsIsRefusedBeforeDecoding() throws {
        var jpeg = try JPEGCodec.encode(picture)
        let sof = (0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }!
        for (offset, value) in [(5, 30000 >> 8), (6, 30000 & 0xFF), (7, 30000 >> 8), (8, 30000 & 0xFF)] { jpeg[sof + offset] = UInt8(value) }
        XCTAssertEqual(reason(jpeg), "too large: 30000×30000 pixels (900 megapixels) is over this job's limit of 100; raise it with `lw settings set --max-megapixels N` if the image is real")
    }

    func testAPNGBombIsRefusedOnItsHeader() throws {
        let bomb = Self.pngHeaderOnly(width: 30000, height: 30000)
        XCTAssertTrue(reason(bomb).hasPrefix("too large: 30000×30000 pixels (900 megapixels)"), reason(bomb))
        let png = try PNGCodec.encode(picture)
        XCTAssertEqual(reason(png), "accepted")
        XCTAssertTrue(reason(png, maxPixels: 320 * 240 - 1).hasPrefix("too large: 320×240"))
    }

    /// A PNG signature and an RGB IHDR with valid CRCs, then IEND: enough to claim a size.
    static func pngHeaderOnly(width: Int, height: Int) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(data.count) + body + be32(Int(crc32(body)))
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0]) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
