import Foundation

/// A file to import: `source` is what lw reports and exports (the path, or the
/// manifest's source-ref as given); `path` is the local file it reads.
public struct ImportCandidate: Sendable, Equatable {
    public var source: String
    public var path: String
    public var manifestFields: String?

    public init(source: String, path: String, manifestFields: String? = nil) {
        self.source = source
        self.path = path
        self.manifestFields = manifestFields
    }
}

public enum ImportSources {
    /// Every regular file under `paths` (recursive, hidden files skipped, symlinks
    /// followed), as absolute paths in sorted order so runs are repeatable.
    public static func walk(_ paths: [String], currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> [ImportCandidate] {
        var files: [String] = []
        var visitedDirectories = Set<String>()
        for given in paths {
            let absolute = absolutePath(given, relativeTo: currentDirectory)
            var info = stat()
            guard stat(absolute, &info) == 0 else {
                throw LWError.unreadableInput(path: given, reason: "\(String(cString: strerror(errno))); check the path")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try collect(directory: absolute, into: &files, visited: &visitedDirectories)
            } else {
                files.append(absolute)
            }
        }
        var seen = Set<String>()
        return files.sorted().filter { seen.insert($0).inserted }.map { ImportCandidate(source: $0, path: $0) }
    }

    private static func collect(directory: String, into files: inout [String], visited: inout Set<String>) throws {
        // Each real folder once: guards against symlink loops.
        guard visited.insert(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw LWError.unreadableInput(path: directory, reason: "cannot list the folder (\(error.localizedDescription)); check its permissions")
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            let child = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            guard stat(child, &info) == 0 else {
                files.append(child)  // a dangling link: import records it as an error
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try collect(directory: child, into: &files, visited: &visited)
            case S_IFREG: files.append(child)
            default: continue  // sockets, fifos, devices
            }
        }
    }

    /// Reads a Ground Truth input manifest: one JSON object per line with a
    /// "source-ref". Local paths may be relative to the manifest's folder;
    /// `file://` URIs are read; other schemes (s3://) are recorded as failures at
    /// import time. A malformed line stops the whole import before anything is written.
    public static func manifest(_ manifestPath: String, currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> [ImportCandidate] {
        let absolute = absolutePath(manifestPath, relativeTo: currentDirectory)
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw LWError.unreadableInput(path: manifestPath, reason: "cannot read the manifest; check the path")
        }
        let base = (absolute as NSString).deletingLastPathComponent
        var candidates: [ImportCandidate] = []
        var lineNumber = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw LWError.badInputLine(file: manifestPath, line: lineNumber, reason: "not a JSON object; each line must be like {\"source-ref\": \"images/a.jpg\"}")
            }
            guard let ref = object["source-ref"] as? String, !ref.isEmpty else {
                throw LWError.badInputLine(file: manifestPath, line: lineNumber, reason: "no \"source-ref\" string; each line must be like {\"source-ref\": \"images/a.jpg\"}")
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
