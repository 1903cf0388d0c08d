import Foundation
import XCTest
@testable import LabelWorkbench

/// The Swift port of EfficientNet-Lite0 against PyTorch's outputs
/// (Golden/backbone_fixture.json, made by bench/backbone_fixture.py with the
/// prototype in ../shared/bench/pretrained) on synthetic inputs both sides
/// compute exactly. Needs the published weights: `make weights`.
final class BackboneTests: XCTestCase {
    static let network: Result<EfficientNetLite, Error>? = {
        guard let path = BackboneCache.candidateFiles().first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return Result { try EfficientNetLite(checkpoint: TorchCheckpoint(bytes: FileReader.readAll(path))) }
    }()

    nonisolated(unsafe) static let fixture: [[String: Any]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/backbone_fixture.json")
        let object = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return object["inputs"] as! [[String: Any]]
    }()

    /// The fixture's input: (x·7 + y·13 + c·50 + (x·y) mod 31) mod 256.
    static func pattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            pixels[(y * width + x) * 3 + c] = UInt8((x * 7 + y * 13 + c * 50 + (x * y) % 31) % 256)
        } } }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func network() throws -> EfficientNetLite {
        guard let network = Self.network else {
            XCTFail("EfficientNet-Lite0's weights are missing: run `make weights` (or set LW_BACKBONE to the .pth)")
            throw XCTSkip("no weights")
        }
        return try network.get()
    }

    func doubles(_ any: Any?) -> [Double] { (any as? [NSNumber])?.map(\.doubleValue) ?? [] }

    func assertClose(_ got: [Float], _ want: [Double], tolerance: Double, _ what: String) {
        XCTAssertEqual(got.count, want.count, what)
        let worst = zip(got, want).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, "\(what): largest difference \(worst)")
    }

    func testEveryBlockMatchesPyTorch() throws {
        let network = try network()
        for input in Self.fixture {
            let width = input["width"] as! Int, height = input["height"] as! Int
            let (stem, blocks) = network.blockOutputs(Self.pattern(width: width, height: height))
            let stemWant = input["stem"] as! [String: Any]
            assertClose(Array(stem.values[0..<4]), doubles(stemWant["at00_c0_3"]), tolerance: 1e-4, "\(width)x\(height) stem")
            for (i, want) in (input["blocks"] as! [[String: Any]]).enumerated() {
                let shape = (want["shape"] as! [Int])
                XCTAssertEqual([blocks[i].channels, blocks[i].height, blocks[i].width], shape, "\(width)x\(height) block \(i)")
                assertClose(Array(blocks[i].values[0..<4]), doubles(want["at00_c0_3"]), tolerance: 2e-3, "\(width)x\(height) block \(i) at (0,0)")
                let sum = blocks[i].values.reduce(0.0) { $0 + Double($1) }, wantSum = (want["sum"] as! NSNumber).doubleValue
                let scale = ((want["sumsq"] as! NSNumber).doubleValue * Double(blocks[i].values.count)).squareRoot()
                XCTAssertLessThan(abs(sum - wantSum) / scale, 1e-4, "\(width)x\(height) block \(i) sum \(sum) vs \(wantSum)")
            }
        }
    }

    func testTheMapMatchesPyTorch() throws {
        let network = try network()
        for input in Self.fixture {
            let width = input["width"] as! Int, height = input["height"] as! Int
            let map = network.map(Self.pattern(width: width, height: height))
            let want = input["map"] as! [String: Any]
            XCTAssertEqual([map.channels, map.height, map.width], want["shape"] as! [Int])
            assertClose(Array(map.values[0..<map.channels]), doubles(want["at_0_0"]), tolerance: 2e-3, "\(width)x\(height) map at (0,0)")
            let center = want["center_yx"] as! [Int], at = (center[0] * map.width + center[1]) * map.channels
            assertClose(Array(map.values[at..<at + map.channels]), doubles(want["at_center"]), tolerance: 2e-3, "\(width)x\(height) map at the centre")
            var mean = [Float](repeating: 0, count: map.channels)
            for p in 0..<map.positions { for c in 0..<map.channels { mean[c] += map.values[p * map.channels + c] / Float(map.positions) } }
            assertClose(mean, doubles(want["channel_mean"]), tolerance: 2e-3, "\(width)x\(height) channel means")
        }
    }

    func testTheWholeClassifierRanksImageNetClassesAsPyTorch() throws {
        let network = try network()
        let input = Self.fixture.first { $0["logits"] != nil }!
        let logits = network.logits(Self.pattern(width: input["width"] as! Int, height: input["height"] as! Int))
        assertClose(logits, doubles(input["logits"]), tolerance: 2e-3, "logits")
        let top5 = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5)
        XCTAssertEqual(Array(top5), ((input["top5"] as! [String: Any])["index"] as! [Int]))
    }

    func testInputSizeKeepsTheAspectInMultiplesOf32() {
        // 1200 · 448 / 1600 = 336 = 10.5 × 32: halves round to even, as Python's round() in the prototype.
        XCTAssertEqual(EfficientNetLite.inputSize(width: 1600, height: 1200, long: 448).height, 320)
        XCTAssertEqual(EfficientNetLite.inputSize(width: 1600, height: 1000, long: 448).height, 288)
        XCTAssertEqual(EfficientNetLite.inputSize(width: 240, height: 320, long: 448).width, 320)
        XCTAssertEqual(EfficientNetLite.inputSize(width: 4000, height: 10, long: 448).height, 32)
    }

    func testSamePaddingPutsTheOddPixelAfter() {
        // 136 rows, k3 s2: 68 out, total padding 1 → 0 before (and 1 after); 17, k3 s2: 9 out, 1 before.
        XCTAssertEqual(SamePadding(input: 136, kernel: 3, stride: 2).before, 0)
        XCTAssertEqual(SamePadding(input: 17, kernel: 3, stride: 2).output, 9)
        XCTAssertEqual(SamePadding(input: 17, kernel: 3, stride: 2).before, 1)
        XCTAssertEqual(SamePadding(input: 56, kernel: 5, stride: 2).before, 1)
        XCTAssertEqual(SamePadding(input: 9, kernel: 5, stride: 1).before, 2)
    }
}
