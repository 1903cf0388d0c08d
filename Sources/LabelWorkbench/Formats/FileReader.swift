import Foundation

/// Reads a whole file with one open/fstat/read sequence. Anything but a
/// regular file is refused before a read could block (a FIFO, a device).
enum FileReader {
    static func readAll(_ path: String, allowEmpty: Bool = false) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageDecodeError("cannot read: \(PathProblem.describe(errno: errno, path: path))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ImageDecodeError("cannot read: \(String(cString: strerror(errno)))") }
        if let kind = PathProblem.notRegular(info.st_mode) {
            throw ImageDecodeError(kind == "a folder" ? "is a folder, not a file" : "not a regular file (\(kind)); lw reads files only")
        }
        let size = Int(info.st_size)
        if size == 0 {
            if allowEmpty { return [] }
            throw ImageDecodeError("empty file (0 bytes)")
        }
        var failure: ImageDecodeError?
        // Uninitialised storage: the read fills it; zero-filling would cost a pass over every file.
        let buffer = [UInt8](unsafeUninitializedCapacity: size) { raw, count in
            var done = 0
            while done < size {
                let n = read(fd, raw.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = ImageDecodeError("read error: \(String(cString: strerror(errno)))")
                    break
                }
                if n == 0 { break }
                done += n
            }
            count = done
        }
        if let failure { throw failure }
        return buffer
    }
}
