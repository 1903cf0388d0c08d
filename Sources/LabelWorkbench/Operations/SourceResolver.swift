import Foundation
import GRDB

/// Finds an image by its source as stored, else by file name when that is unique.
struct SourceResolver {
    enum Match { case found(Int64), missing, ambiguous(Int) }
    // Keyed by bytes: Swift's String equality would make NFC and NFD twins one image.
    private var bySource: [[UInt8]: Int64] = [:]
    private var byName: [[UInt8]: [Int64]] = [:]

    init(_ db: Database) throws {
        for (id, source) in try ImageRecord.sources(db) {
            bySource[Array(source.utf8)] = bySource[Array(source.utf8)] ?? id
            byName[Array((source as NSString).lastPathComponent.utf8), default: []].append(id)
        }
    }

    func resolve(_ source: String) -> Match {
        if let id = bySource[Array(source.utf8)] { return .found(id) }
        let matches = byName[Array((source as NSString).lastPathComponent.utf8)] ?? []
        if matches.count == 1 { return .found(matches[0]) }
        return matches.isEmpty ? .missing : .ambiguous(matches.count)
    }
}
