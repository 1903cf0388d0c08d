import Foundation

/// A value of the pickle subset PyTorch's legacy checkpoints use. Lists and
/// dictionaries are reference boxes: the pickle memo shares them, and
/// SETITEMS/APPENDS fill them after they were memoised.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A class or function named by GLOBAL: `module.name`.
    case global(String)
    /// The result of calling a global with arguments (REDUCE / NEWOBJ).
    case call(String, [PickleValue])
    /// A persistent id (BINPERSID): PyTorch names tensor storages this way.
    case persistent(PickleValue)

    var int: Int? { if case .int(let v) = self { return v }; if case .bool(let b) = self { return b ? 1 : 0 }; return nil }
    var string: String? { if case .string(let v) = self { return v }; return nil }
    var items: [PickleValue]? {
        switch self {
        case .tuple(let v): return v
        case .list(let l): return l.items
        default: return nil
        }
    }
}

final class PickleList { var items: [PickleValue] = [] }
final class PickleDict { var entries: [(key: PickleValue, value: PickleValue)] = [] }

/// Reads one pickle (protocol 2, the opcodes `torch.save` emits) from a byte
/// offset, leaving `offset` just past its STOP. Nothing is executed: globals
/// are names and calls are recorded, for the caller to interpret.
struct PickleReader {
    let bytes: [UInt8]
    var offset: Int

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    mutating func read() throws -> PickleValue {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]
        func pop() throws -> PickleValue {
            guard let v = stack.popLast() else { throw Failure(description: "pickle stack underflow at byte \(offset)") }
            return v
        }
        func popMark() throws -> [PickleValue] {
            guard let mark = marks.popLast() else { throw Failure(description: "pickle MARK missing at byte \(offset)") }
            let items = Array(stack[mark...])
            stack.removeSubrange(mark...)
            return items
        }
        while true {
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                   // PROTO
            case 0x95: offset += 8                                      // FRAME
            case 0x2E: return try pop()                                 // STOP
            case 0x28: marks.append(stack.count)                        // MARK
            case 0x7D: stack.append(.dict(PickleDict()))                // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))                // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))                         // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))              // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))                // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))
            case 0x4E: stack.append(.none)                              // NONE
            case 0x88: stack.append(.bool(true))                        // NEWTRUE
            case 0x89: stack.append(.bool(false))                       // NEWFALSE
            case 0x4B: stack.append(.int(Int(try byte())))              // BININT1
            case 0x4D: stack.append(.int(Int(try uint(2))))             // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))  // BININT
            case 0x8A: stack.append(try long(Int(try byte())))          // LONG1
            case 0x47: stack.append(.float(Double(bitPattern: try bigEndian(8))))       // BINFLOAT
            case 0x58: stack.append(.string(try text(Int(try uint(4)))))                // BINUNICODE
            case 0x8C: stack.append(.string(try text(Int(try byte()))))                 // SHORT_BINUNICODE
            case 0x54: stack.append(.string(try text(Int(try uint(4)))))                // BINSTRING
            case 0x55: stack.append(.string(try text(Int(try byte()))))                 // SHORT_BINSTRING
            case 0x43: stack.append(.bytes(try take(Int(try byte()))))                  // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(try take(Int(try uint(4)))))                 // BINBYTES
            case 0x63: stack.append(.global(try line() + "." + line()))                 // GLOBAL
            case 0x71: memo[Int(try byte())] = stack.last                               // BINPUT
            case 0x72: memo[Int(try uint(4))] = stack.last                              // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last                                    // MEMOIZE
            case 0x68, 0x6A:                                                            // BINGET, LONG_BINGET
                let key = Int(op == 0x68 ? UInt64(try byte()) : try uint(4))
                guard let v = memo[key] else { throw Failure(description: "pickle memo \(key) missing at byte \(offset)") }
                stack.append(v)
            case 0x51: stack.append(.persistent(try pop()))                             // BINPERSID
            case 0x52, 0x81:                                                            // REDUCE, NEWOBJ
                let args = try pop(), callable = try pop()
                guard case .global(let name) = callable else { throw Failure(description: "pickle calls a non-global at byte \(offset)") }
                // An OrderedDict is filled by SETITEMS like a dictionary.
                stack.append(name == "collections.OrderedDict" ? .dict(PickleDict()) : .call(name, args.items ?? []))
            case 0x62: _ = try pop()                                    // BUILD: object state (OrderedDict's _metadata) is not needed
            case 0x73:                                                  // SETITEM
                let value = try pop(), key = try pop()
                try dictionary(stack.last).entries.append((key, value))
            case 0x75:                                                  // SETITEMS
                let items = try popMark()
                let dict = try dictionary(stack.last)
                for i in stride(from: 0, to: items.count - 1, by: 2) { dict.entries.append((items[i], items[i + 1])) }
            case 0x61: try list(stack.last).items.append(try pop())     // APPEND (pops first: the list is below)
            case 0x65: let items = try popMark(); try list(stack.last).items.append(contentsOf: items)  // APPENDS
            default:
                throw Failure(description: String(format: "pickle opcode 0x%02x at byte %d is not supported", op, offset - 1))
            }
        }
    }

    /// The dictionary a SETITEM(S) fills: an EMPTY_DICT or an OrderedDict() call.
    private func dictionary(_ value: PickleValue?) throws -> PickleDict {
        guard case .dict(let d) = value else { throw Failure(description: "pickle SETITEM on a non-dictionary at byte \(offset)") }
        return d
    }

    private func list(_ value: PickleValue?) throws -> PickleList {
        guard case .list(let l) = value else { throw Failure(description: "pickle APPEND on a non-list at byte \(offset)") }
        return l
    }

    private mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw Failure(description: "pickle ends early at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func take(_ count: Int) throws -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw Failure(description: "pickle ends early at byte \(offset)") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    private mutating func uint(_ count: Int) throws -> UInt64 {
        try take(count).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    private mutating func bigEndian(_ count: Int) throws -> UInt64 {
        try take(count).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A little-endian two's-complement integer of `count` bytes (LONG1). One
    /// wider than 64 bits (the checkpoint's magic number) stays raw bytes.
    private mutating func long(_ count: Int) throws -> PickleValue {
        let raw = try take(count)
        guard count <= 8 else { return .bytes(raw) }
        var value: UInt64 = 0
        for (i, b) in raw.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        if count > 0, count < 8, raw[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }
        return .int(Int(Int64(bitPattern: value)))
    }

    private mutating func text(_ count: Int) throws -> String {
        String(decoding: try take(count), as: UTF8.self)
    }

    private mutating func line() throws -> String {
        var out: [UInt8] = []
        while true {
            let b = try byte()
            if b == 0x0A { return String(decoding: out, as: UTF8.self) }
            out.append(b)
        }
    }
}
