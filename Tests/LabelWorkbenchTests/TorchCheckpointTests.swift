import XCTest
@testable import LabelWorkbench

/// Writes the legacy `torch.save` format by hand, as PyTorch 1.x did, so the
/// reader is tested on every construct the real checkpoint uses (memo,
/// OrderedDict, persistent storage ids, strided views, a LongStorage, storages
/// stored in the order of the sorted keys list).
final class TorchCheckpointTests: XCTestCase {
    struct PickleWriter {
        var bytes: [UInt8] = [0x80, 0x02]
        mutating func op(_ b: UInt8) { bytes.append(b) }
        mutating func string(_ s: String) { op(0x58); bytes += u32(UInt32(s.utf8.count)); bytes += Array(s.utf8) }
        mutating func int(_ v: Int) { if v < 256 { op(0x4B); op(UInt8(v)) } else { op(0x4A); bytes += u32(UInt32(v)) } }
        mutating func global(_ module: String, _ name: String) { op(0x63); bytes += Array("\(module)\n\(name)\n".utf8) }
        mutating func tuple(_ values: [Int]) { op(0x28); values.forEach { int($0) }; op(0x74) }
        mutating func put(_ i: Int) { op(0x71); op(UInt8(i)) }
        mutating func get(_ i: Int) { op(0x68); op(UInt8(i)) }
        mutating func stop() -> [UInt8] { op(0x2E); return bytes }
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
    }

    static func u64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func floats(_ v: [Float]) -> [UInt8] { v.flatMap { f in (0..<4).map { UInt8(truncatingIfNeeded: f.bitPattern >> (8 * UInt32($0))) } } }

    /// a: 2×3 contiguous; b: 2×2 transposed view at offset 1 of a 5-element storage;
    /// n: a LongStorage scalar (skipped: no weights).
    static func checkpoint() -> [UInt8] {
        var magic = PickleWriter(); magic.op(0x8A); magic.op(10); magic.bytes += TorchCheckpoint.magic
        var version = PickleWriter(); version.op(0x4D); version.bytes += [0xE9, 0x03]
        var system = PickleWriter(); system.op(0x7D); system.op(0x28); system.string("little_endian"); system.op(0x88); system.op(0x75)
        var state = PickleWriter()
        state.global("collections", "OrderedDict"); state.put(0); state.op(0x29); state.op(0x52); state.put(1); state.op(0x28)
        func tensor(_ w: inout PickleWriter, name: String, key: String, type: String, count: Int, offset: Int, shape: [Int], stride: [Int], first: Bool) {
            w.string(name)
            if first { w.global("torch._utils", "_rebuild_tensor_v2"); w.put(2) } else { w.get(2) }
            w.op(0x28)
            w.op(0x28); w.string("storage"); w.global("torch", type); w.string(key); w.string("cpu"); w.int(count); w.op(0x4E); w.op(0x74); w.op(0x51)
            w.int(offset); w.tuple(shape); w.tuple(stride); w.op(0x89)
            w.get(0); w.op(0x29); w.op(0x52)
            w.op(0x74); w.op(0x52)
        }
        tensor(&state, name: "a", key: "20", type: "FloatStorage", count: 6, offset: 0, shape: [2, 3], stride: [3, 1], first: true)
        tensor(&state, name: "b", key: "100", type: "FloatStorage", count: 5, offset: 1, shape: [2, 2], stride: [1, 2], first: false)
        tensor(&state, name: "n", key: "3", type: "LongStorage", count: 1, offset: 0, shape: [], stride: [], first: false)
        state.op(0x75)
        state.op(0x7D); state.op(0x62)  // BUILD with an empty _metadata state
        var keys = PickleWriter(); keys.op(0x5D); keys.op(0x28); ["100", "20", "3"].forEach { keys.string($0) }; keys.op(0x65)
        return magic.stop() + version.stop() + system.stop() + state.stop() + keys.stop()
            + u64(5) + floats([9, 1, 2, 3, 4]) + u64(6) + floats([1, 2, 3, 4, 5, 6]) + u64(1) + u64(7)
    }

    func testReadsTensorsWithTheirShapesAndStrides() throws {
        let checkpoint = try TorchCheckpoint(bytes: Self.checkpoint())
        XCTAssertEqual(checkpoint.names, ["a", "b"])
        XCTAssertEqual(checkpoint["a"], TorchCheckpoint.Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        // b[i][j] = storage[1 + i + 2j]: [[1, 3], [2, 4]].
        XCTAssertEqual(checkpoint["b"], TorchCheckpoint.Tensor(shape: [2, 2], values: [1, 3, 2, 4]))
        XCTAssertNil(checkpoint["n"])
    }

    func testRefusesOtherFilesWithAReason() {
        XCTAssertThrowsError(try TorchCheckpoint(bytes: Array("PK\u{3}\u{4}zip".utf8))) {
            XCTAssertTrue("\($0)".contains("zip format"), "\($0)")
        }
        XCTAssertThrowsError(try TorchCheckpoint(bytes: [0x80, 0x02, 0x4B, 0x01, 0x2E])) {
            XCTAssertTrue("\($0)".contains("not a PyTorch checkpoint"), "\($0)")
        }
        var truncated = Self.checkpoint()
        truncated.removeLast(20)
        XCTAssertThrowsError(try TorchCheckpoint(bytes: truncated)) {
            XCTAssertTrue("\($0)".contains("ends"), "\($0)")
        }
        var unknown = Self.checkpoint()
        unknown[17] = 0xFF  // the protocol pickle's first opcode after PROTO
        XCTAssertThrowsError(try TorchCheckpoint(bytes: unknown)) {
            XCTAssertTrue("\($0)".contains("opcode 0xff"), "\($0)")
        }
    }
}
