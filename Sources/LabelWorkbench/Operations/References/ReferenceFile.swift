import Foundation

/// A reference file read and proven decodable, not stored yet: every file of
/// one `lw references add` is checked before any is written.
struct ReferenceFile: Sendable {
    static let minimumSide = 16

    var source: String
    var bytes: [UInt8]
    var sha256: String
    var probe: ImageProbe

    /// Reads and decodes `path` as `lw import` does, within the job's
    /// megapixel limit; one-line `LWError` naming the file and the remedy.
    static func check(_ path: String, maxPixels: Int) throws -> ReferenceFile {
        let remedy = "; give a JPEG or PNG picture of the label"
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path)
        } catch let error as ImageDecodeError {
            throw LWError.unreadableInput(path: path, reason: error.reason + (error.reason.hasPrefix("cannot read") ? "" : remedy))
        }
        let probe: ImageProbe
        do {
            probe = try bytes.withUnsafeBytes { try ImageProbe.probe($0, maxPixels: maxPixels) }
        } catch let error as ImageDecodeError {
            let tooLarge = error.reason.hasPrefix("too large")
            throw LWError.unreadableInput(path: path, reason: error.reason + (tooLarge ? "" : remedy))
        }
        if min(probe.width, probe.height) < minimumSide {
            throw LWError.unreadableInput(path: path, reason: "too small: \(probe.width)×\(probe.height) pixels; a reference needs at least \(minimumSide) pixels on its shorter side, crop a larger one")
        }
        let sha = bytes.withUnsafeBytes { ContentHash.sha256Hex($0) }
        return ReferenceFile(source: path, bytes: bytes, sha256: sha, probe: probe)
    }

    /// Every file checked, in order; the first failure throws.
    static func checkAll(_ paths: [String], maxPixels: Int) throws -> [ReferenceFile] {
        try paths.map { try check($0, maxPixels: maxPixels) }
    }
}
