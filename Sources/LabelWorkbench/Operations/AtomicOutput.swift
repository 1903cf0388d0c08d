import Crypto
import Foundation

/// Streams text to a file atomically: a temporary file beside the target,
/// fsynced and renamed into place only when complete; or to stdout.
public final class AtomicOutput {
    private let target: String?
    private let temporary: String?
    private let handle: FileHandle
    private var buffer = Data()
    private var hasher = SHA256()
    public private(set) var bytes = 0

    public init(path: String?, force: Bool) throws {
        target = path
        if let path {
            if FileManager.default.fileExists(atPath: path) && !force {
                throw LWError.invalidArgument("\(path) exists: pass --force to overwrite it, or choose another --out")
            }
            let dir = (path as NSString).deletingLastPathComponent
            let prefix = ".\((path as NSString).lastPathComponent).lw-tmp-"
            // Leftovers of killed exports (their process is gone) are removed.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? [] where name.hasPrefix(prefix) {
                if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0 {
                    unlink((dir.isEmpty ? "." : dir) + "/" + name)
                }
            }
            let tmp = (dir.isEmpty ? "." : dir) + "/" + prefix + "\(getpid())"
            guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
                throw LWError.unreadableInput(path: path, reason: "cannot write there; check the folder and its permissions")
            }
            temporary = tmp
            handle = h
        } else {
            temporary = nil
            handle = FileHandle.standardOutput
        }
    }

    public func write(_ text: String) throws {
        let data = Data(text.utf8)
        hasher.update(data: data)
        bytes += data.count
        buffer.append(data)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Completes the file; returns the SHA-256 of the content.
    public func commit() throws -> String {
        try flush()
        if let temporary, let target {
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, target) == 0 else {
                throw LWError.unreadableInput(path: target, reason: "cannot move the finished export into place (\(String(cString: strerror(errno))))")
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Removes the temporary file after a failure.
    public func abandon() {
        if let temporary { try? handle.close(); unlink(temporary) }
    }
}
