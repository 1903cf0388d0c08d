import Hummingbird
import LabelWorkbench

/// Serves an imported image to a worker who has an assignment for it
/// (`ReviewImage` finds, checks and re-encodes it), with caching headers.
struct ImageResponder: Sendable {
    let store: Store
    let maxSide: Int

    func respond(imageId: Int64, workerId: Int64, ifNoneMatch: String?) async throws -> Response {
        guard let image = try await store.pool.read({ db in try ReviewImage.find(db, imageId: imageId, workerId: workerId) }) else {
            return API.error(.notFound, "image \(imageId) is not in your assignments")
        }
        let etag = image.etag(maxSide: maxSide)
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "private, max-age=86400, immutable"]
        if ifNoneMatch == etag { return Response(status: .notModified, headers: headers) }
        do {
            let rendered = try ReviewImage.render(image, maxSide: maxSide)
            headers[.contentType] = rendered.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: rendered.bytes)))
        } catch let failure as ReviewImage.Failure {
            switch failure {
            case .unreadable(let why), .changedSinceImport(let why): return API.error(.gone, "image \(imageId): \(why)")
            }
        }
    }
}
