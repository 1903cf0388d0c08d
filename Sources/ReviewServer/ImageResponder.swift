import Foundation
import GRDB
import Hummingbird
import LabelWorkbench

/// Serves an imported image to a worker who has an assignment for it. The
/// file is found through the database (never through the URL), must still
/// hold the bytes that were imported (SHA-256), and is re-encoded as JPEG
/// when larger than `maxSide`. The URL names the content, so browsers may cache it.
struct ImageResponder: Sendable {
    let store: Store
    let maxSide: Int

    /// The image, only if this worker has (or had) an assignment for it.
    static let imageSQL = """
        SELECT i.path, i.sha256, i.format, i.width, i.height FROM image AS i
        WHERE i.id = ? AND EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = i.id AND a.worker_id = ?
                                   AND a.status IN ('open', 'answered', 'skipped'))
        """

    func respond(imageId: Int64, workerId: Int64, ifNoneMatch: String?) async throws -> Response {
        guard let image = try await store.pool.read({ db in
            try Row.fetchOne(db, sql: Self.imageSQL, arguments: [imageId, workerId]).map { row in
                (path: row["path"] as String, sha256: row["sha256"] as String, format: row["format"] as String,
                 width: row["width"] as Int, height: row["height"] as Int)
            }
        }) else {
            return API.error(.notFound, "image \(imageId) is not in your assignments")
        }
        let etag = "\"\(image.sha256.prefix(32))-\(maxSide)\""
        let cacheHeaders: HTTPFields = [.eTag: etag, .cacheControl: "private, max-age=86400, immutable"]
        if ifNoneMatch == etag { return Response(status: .notModified, headers: cacheHeaders) }

        guard let bytes = FileManager.default.contents(atPath: image.path) else {
            return API.error(.gone, "image \(imageId)'s file \(image.path) cannot be read any more")
        }
        let matches = bytes.withUnsafeBytes { ContentHash.sha256Hex($0) } == image.sha256
        guard matches else {
            return API.error(.gone, "image \(imageId)'s file \(image.path) changed since it was imported; re-import it")
        }
        var headers = cacheHeaders
        if max(image.width, image.height) <= maxSide {
            headers[.contentType] = image.format == "png" ? "image/png" : "image/jpeg"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        // TurboJPEG decodes straight to the smallest scale whose short side still fills the fit.
        let shortSide = (maxSide * min(image.width, image.height) + max(image.width, image.height) - 1) / max(image.width, image.height)
        let encoded = try bytes.withUnsafeBytes { raw in
            let decoded = try ImageProbe.decode(raw, minSide: shortSide)
            return try JPEGCodec.encode(Resize.fit(decoded, maxWidth: maxSide, maxHeight: maxSide), quality: 85)
        }
        headers[.contentType] = "image/jpeg"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encoded)))
    }
}
