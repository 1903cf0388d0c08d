import Foundation

/// Files lw is given to read (manifests, CSVs, label configurations): read
/// whole, never hanging on a FIFO or a device, and decoded as UTF-8 with
/// every fault named by its line.
public enum InputFile {
    /// The whole file. A FIFO, socket or device is refused, never opened for
    /// a blocking read.
    public static func read(_ path: String, what: String = "file") throws -> Data {
        do {
            return Data(try FileReader.readAll(path, allowEmpty: true))
        } catch let error as ImageDecodeError {
            throw LWError.unreadableInput(path: Text.abbreviated(path), reason: "cannot read the \(what): \(error.reason)")
        }
    }

    /// The file's lines (1-based numbers, the true line numbers of the file),
    /// a UTF-8 byte-order mark and CRLF endings accepted. A UTF-16 file, or a
    /// line that is not UTF-8, is a one-line error naming it.
    public static func lines(_ path: String, what: String = "file") throws -> [(number: Int, text: String)] {
        try lines(of: try read(path, what: what), path: path)
    }

    /// The same for bytes already read (`path` names them in errors).
    public static func lines(of data: Data, path: String) throws -> [(number: Int, text: String)] {
        var body = [UInt8](data)[...]
        try checkEncoding(&body, path: path)
        var out: [(Int, String)] = []
        for (index, raw) in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
            guard let text = String(validating: line, as: UTF8.self) else {
                throw LWError.badInputLine(file: Text.abbreviated(path), line: index + 1, reason: "not valid UTF-8; save the file as UTF-8")
            }
            out.append((index + 1, text))
        }
        return out
    }

    /// The whole file as UTF-8 text (a byte-order mark dropped); the first
    /// line that is not UTF-8 is named.
    public static func text(_ path: String, what: String = "file") throws -> String {
        try lines(path, what: what).map(\.text).joined(separator: "\n")
    }

    /// Drops a UTF-8 byte-order mark; refuses UTF-16 and UTF-32 by name.
    static func checkEncoding(_ bytes: inout ArraySlice<UInt8>, path: String) throws {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3); return }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw LWError.unreadableInput(path: Text.abbreviated(path), reason: "the file is UTF-16; save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)")
        }
        if let nul = bytes.firstIndex(of: 0) {
            let line = bytes[..<nul].filter { $0 == UInt8(ascii: "\n") }.count + 1
            throw LWError.badInputLine(file: Text.abbreviated(path), line: line, reason: "holds a NUL byte: not a text file (a UTF-16 file without its byte-order mark?); save it as UTF-8")
        }
    }
}

/// Text lw echoes back in messages.
public enum Text {
    /// At most `limit` characters: the start, "…", and the end; control
    /// characters shown as \u{…} escapes so a message stays one line.
    public static func abbreviated(_ value: String, limit: Int = 200) -> String {
        var shown = value
        if value.count > limit {
            shown = String(value.prefix(limit * 3 / 4)) + "…" + String(value.suffix(limit / 4))
        }
        return escapingControls(shown)
    }

    /// Control characters and bidirectional overrides as visible escapes.
    public static func escapingControls(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: isControl) else { return value }
        return value.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }

    /// C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F
    }
}
