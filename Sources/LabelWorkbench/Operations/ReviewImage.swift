import Foundation
import GRDB

/// An imported image as a reviewer's browser gets it (`lw serve`). The file is
/// found through the database — only for a worker's own assignments — must
/// still hold the bytes that were imported, and is re-encoded as JPEG when a
/// side exceeds `maxSide`.
public enum ReviewImage {
    public struct Record: Sendable {
        public var path: String
        public var sha256: String
        public var format: String
        public var width: Int
        public var height: Int

        /// Names the content and the size it is served at: browsers may cache it for good.
        public func etag(maxSide: Int) -> String { "\"\(sha256.prefix(32))-\(maxSide)\"" }
    }

    public struct Rendered: Sendable {
        public var bytes: [UInt8]
        public var contentType: String
    }

    public enum Failure: Error, Equatable {
        case unreadable(String)
        case changedSinceImport(String)
    }

    /// The image, only if this worker has (or had) an assignment for it.
    static let imageSQL = """
        SELECT i.path, i.sha256, i.format, i.width, i.height FROM image AS i
        WHERE i.id = ? AND EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = i.id AND a.worker_id = ?
                                   AND a.status IN ('open', 'answered', 'skipped'))
        """

    public static func find(_ db: Database, imageId: Int64, workerId: Int64) throws -> Record? {
        try Row.fetchOne(db, sql: imageSQL, arguments: [imageId, workerId]).map {
            Record(path: $0["path"], sha256: $0["sha256"], format: $0["format"], width: $0["width"], height: $0["height"])
        }
    }

    /// The bytes to send: the file as imported when it fits, else a JPEG that fits.
    public static func render(_ image: Record, maxSide: Int) throws -> Rendered {
        guard let bytes = FileManager.default.contents(atPath: image.path) else {
            throw Failure.unreadable("the file \(image.path) cannot be read any more")
        }
        guard bytes.withUnsafeBytes({ ContentHash.sha256Hex($0) }) == image.sha256 else {
            throw Failure.changedSinceImport("the file \(image.path) changed since it was imported; re-import it")
        }
        if max(image.width, image.height) <= maxSide {
            return Rendered(bytes: [UInt8](bytes), contentType: image.format == "png" ? "image/png" : "image/jpeg")
        }
        // TurboJPEG decodes straight to the smallest scale whose short side still fills the fit.
        let longSide = max(image.width, image.height)
        let shortSide = (maxSide * min(image.width, image.height) + longSide - 1) / longSide
        let encoded = try bytes.withUnsafeBytes { raw in
            let decoded = try ImageProbe.decode(raw, minSide: shortSide)
            return try JPEGCodec.encode(Resize.fit(decoded, maxWidth: maxSide, maxHeight: maxSide), quality: 85)
        }
        return Rendered(bytes: encoded, contentType: "image/jpeg")
    }
}
