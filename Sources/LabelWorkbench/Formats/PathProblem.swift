import Foundation

/// Why a path cannot be read, in words a user can act on.
enum PathProblem {
    /// The reason behind a failed open or stat of `path`.
    static func describe(errno code: Int32, path: String) -> String {
        switch code {
        case ENOENT:
            var info = stat()
            if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
                return "dangling symbolic link (it points to '\(Text.abbreviated(linkTarget(path) ?? "?"))', which does not exist)"
            }
            return "file not found; check the path"
        case ELOOP: return "symbolic link loop (the link leads back to itself); fix or remove the link"
        case EACCES: return "permission denied; check the permissions of the file and its folders"
        case ENAMETOOLONG: return "the path is too long for this system"
        case ENOTDIR: return "a part of the path is not a folder; check the path"
        default: return String(cString: strerror(code))
        }
    }

    /// What a non-regular file is ("a FIFO", "a folder", …); nil for a regular file.
    static func notRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a file"
        }
    }

    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
