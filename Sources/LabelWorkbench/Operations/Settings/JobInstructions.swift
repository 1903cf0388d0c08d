import Foundation

/// The job's instructions for people (`lw init --instructions FILE`,
/// `lw settings set --instructions FILE`): plain UTF-8 text, at most 64 KB.
public enum JobInstructions {
    public static let maxBytes = 64 * 1024

    /// The file's text; nil for an empty (or blank) file, which clears them.
    /// A missing file, one that is not UTF-8 or over 64 KB is a one-line error.
    public static func read(_ path: String) throws -> String? {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path, allowEmpty: true)
        } catch let error as ImageDecodeError {
            throw LWError.unreadableInput(path: path, reason: error.reason)
        }
        if bytes.count > maxBytes {
            throw LWError.unreadableInput(path: path, reason: "instructions of \(bytes.count) bytes are over the limit of \(maxBytes) (64 KB); shorten them and link to longer guidance")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw LWError.unreadableInput(path: path, reason: "instructions are not UTF-8 text; save the file as plain UTF-8 text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    static func validate(_ instructions: String?) throws {
        guard let instructions, instructions.utf8.count > maxBytes else { return }
        throw LWError.invalidArgument("instructions of \(instructions.utf8.count) bytes are over the limit of \(maxBytes) (64 KB): shorten them")
    }
}
