import Foundation

/// The files under a set of paths, each real folder visited once (a symlink
/// loop ends), folder entries read as bytes so that a name that is not UTF-8
/// is reported as such rather than as a missing file.
struct FolderWalk {
    private(set) var found: [ImportCandidate] = []
    private var visited = Set<[UInt64]>()

    mutating func add(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            fail(path, PathProblem.describe(errno: errno, path: path))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: descend(path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        case S_IFREG: found.append(ImportCandidate(source: path, path: path))
        default: fail(path, "not a regular file (\(PathProblem.notRegular(info.st_mode)!)); lw reads files only")
        }
    }

    private mutating func descend(_ directory: String, device: UInt64, inode: UInt64) {
        guard visited.insert([device, inode]).inserted else { return }
        guard let handle = opendir(directory) else {
            fail(directory, "cannot list the folder: \(PathProblem.describe(errno: errno, path: directory))")
            return
        }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name.first != UInt8(ascii: ".") { names.append(name) }  // hidden files, "." and ".."
        }
        closedir(handle)
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let text = String(validating: name, as: UTF8.self) else {
                fail(prefix + Self.escaped(name), "the file name is not valid UTF-8 (shown with \\x escapes); rename it, e.g. `convmv -f latin1 -t utf8 --notest FILE`")
                continue
            }
            add(prefix + text)
        }
    }

    private mutating func fail(_ path: String, _ reason: String) {
        found.append(ImportCandidate(source: path, path: path, failure: reason))
    }

    /// A name with each byte that is not part of valid UTF-8 written as \xHH.
    static func escaped(_ name: [UInt8]) -> String {
        var out = "", start = 0
        while start < name.count {
            var end = name.count
            while end > start, String(validating: name[start..<end], as: UTF8.self) == nil { end -= 1 }
            if end > start {
                out += String(decoding: name[start..<end], as: UTF8.self)
                start = end
            } else {
                out += String(format: "\\x%02X", name[start])
                start += 1
            }
        }
        return out
    }
}
