import Foundation

/// A file to import: `source` is what lw reports and exports (the path, or the
/// manifest's source-ref as given); `path` is the local file it reads.
public struct ImportCandidate: Sendable, Equatable {
    public var source: String
    public var path: String
    public var manifestFields: String?
    /// Why the file cannot be imported, found before reading it (a FIFO, a
    /// dangling link, an unlistable folder): recorded in import_error.
    public var failure: String?

    public init(source: String, path: String, manifestFields: String? = nil, failure: String? = nil) {
        self.source = source
        self.path = path
        self.manifestFields = manifestFields
        self.failure = failure
    }
}

public enum ImportSources {
    /// Every file under `paths` (recursive, hidden files skipped, symlinks
    /// followed, each real folder once), as absolute paths in byte order so
    /// runs are repeatable. A path that cannot be imported — missing, a
    /// dangling link, a loop, a FIFO, an unlistable folder, a name that is not
    /// UTF-8 — is a candidate carrying its reason, so the rest still imports.
    public static func walk(_ paths: [String], currentDirectory: String = FileManager.default.currentDirectoryPath) -> [ImportCandidate] {
        var walk = FolderWalk()
        for given in paths { walk.add(commandLinePath(given, currentDirectory: currentDirectory)) }
        var seen = Set<[UInt8]>()  // by bytes: NFC and NFD spellings of a name are two files
        return walk.found.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            .filter { seen.insert(Array($0.path.utf8)).inserted }
    }

    /// An absolute path for a command-line argument. Its folder is resolved
    /// by the system (so `dir/link-to-..` means the link's own parent, as the
    /// shell would), its last component kept as given.
    static func commandLinePath(_ given: String, currentDirectory: String) -> String {
        let expanded = (given as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded : currentDirectory + "/" + expanded
        let trimmed = absolute.count > 1 && absolute.hasSuffix("/") ? String(absolute.dropLast()) : absolute
        let last = (trimmed as NSString).lastPathComponent
        if last == "." || last == ".." || trimmed == "/" { return realPath(trimmed) ?? trimmed }
        let parent = (trimmed as NSString).deletingLastPathComponent
        guard let resolved = realPath(parent) else { return trimmed }
        return (resolved == "/" ? "" : resolved) + "/" + last
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Reads a Ground Truth input manifest: one JSON object per line with a
    /// "source-ref". Local paths may be relative to the manifest's folder;
    /// `file://` URIs are read; other schemes (s3://) are recorded as failures at
    /// import time. A malformed line stops the whole import before anything is
    /// written. CRLF endings and a UTF-8 byte-order mark are accepted.
    public static func manifest(_ manifestPath: String, currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> [ImportCandidate] {
        let absolute = absolutePath(manifestPath, relativeTo: currentDirectory)
        let base = (absolute as NSString).deletingLastPathComponent
        let example = "{\"source-ref\": \"images/a.jpg\"}"
        var candidates: [ImportCandidate] = []
        for (number, line) in try InputFile.lines(absolute, what: "manifest") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let object = try JSONLine.object(text, file: manifestPath, line: number, example: example)
            guard let ref = object["source-ref"] as? String, !ref.isEmpty else {
                throw LWError.badInputLine(file: Text.abbreviated(manifestPath), line: number, reason: "no \"source-ref\" string; each line must be like \(example)")
            }
            candidates.append(ImportCandidate(source: ref, path: localPath(ref, base: base), manifestFields: JSON.text(object)))
        }
        return candidates
    }

    /// The local file behind a source-ref; "" when lw cannot read that scheme.
    static func localPath(_ ref: String, base: String) -> String {
        if ref.hasPrefix("file://") { return URL(string: ref)?.path ?? "" }
        if ref.range(of: #"^[A-Za-z][A-Za-z0-9+.-]*://"#, options: .regularExpression) != nil { return "" }
        return absolutePath(ref, relativeTo: base)
    }

    public static func absolutePath(_ path: String, relativeTo base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let joined = expanded.hasPrefix("/") ? expanded : (base as NSString).appendingPathComponent(expanded)
        return (joined as NSString).standardizingPath
    }
}
