import Foundation

/// One line of a JSON Lines file (a manifest), parsed strictly: a JSON
/// object, and no key twice in any object of it — JSONSerialization would
/// silently keep the last.
enum JSONLine {
    static func object(_ text: String, file: String, line: Int, example: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw LWError.badInputLine(file: Text.abbreviated(file), line: line, reason: "not a JSON object; each line must be like \(example)")
        }
        if let key = firstDuplicateKey(text) {
            throw LWError.badInputLine(file: Text.abbreviated(file), line: line,
                                       reason: "the key \"\(Text.abbreviated(key, limit: 80))\" appears twice in one object; keep one")
        }
        return object
    }

    /// The first key that repeats within one object, anywhere in `text`
    /// (valid JSON). Keys compare by their text as written.
    static func firstDuplicateKey(_ text: String) -> String? {
        // One frame per open bracket: an object's keys so far, and whether a key comes next.
        var frames: [(keys: Set<String>, isObject: Bool, expectingKey: Bool)] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"): frames.append(([], true, true))
            case UInt8(ascii: "["): frames.append(([], false, false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = frames.popLast()
            case UInt8(ascii: ","): if let last = frames.indices.last, frames[last].isObject { frames[last].expectingKey = true }
            case UInt8(ascii: "\""):
                let start = i + 1
                i += 1
                while i < bytes.count && bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                if let last = frames.indices.last, frames[last].isObject, frames[last].expectingKey {
                    let key = String(decoding: bytes[start..<min(i, bytes.count)], as: UTF8.self)
                    if !frames[last].keys.insert(key).inserted { return key }
                    frames[last].expectingKey = false
                }
            default: break
            }
            i += 1
        }
        return nil
    }
}
