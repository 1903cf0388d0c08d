import Foundation
import GRDB
import Hummingbird
import LabelWorkbench

/// A worker's pages under /w/<secret>: the review page, the next images, the
/// answer/skip/undo actions and the images of their own assignments.
struct WorkerRoutes: Sendable {
    let server: ReviewServer

    struct Worker: Sendable {
        var id: Int64
        var name: String
    }

    typealias State = WorkerDesk.State

    struct AnswerBody: Decodable { var assignment: Int64; var label: String; var seconds: Double? }
    struct SkipBody: Decodable { var assignment: Int64 }

    func register(on router: Router<BasicRequestContext>) {
        let group = router.group("w/:token")
        group.get { _, context in
            guard let worker = try await worker(context) else { return refusedLink() }
            return try await page(worker, token: context.parameters.require("token"))
        }
        group.get("next") { _, context in
            guard let worker = try await worker(context) else { return refusedAction() }
            return try await act(worker, token: context.parameters.require("token")) { _, _ in nil }
        }
        group.post("answer") { request, context in
            guard let worker = try await worker(context) else { return refusedAction() }
            let body = try await API.decode(AnswerBody.self, from: request)
            if let seconds = body.seconds, !(seconds >= 0 && seconds.isFinite) {
                return API.error(.badRequest, "seconds must be a non-negative number, not \(seconds)")
            }
            return try await act(worker, token: context.parameters.require("token")) { db, context in
                try WorkerDesk.answer(db, assignment: body.assignment, label: body.label, workerId: worker.id,
                                      seconds: body.seconds.map { min($0, 86_400) }, context: context)
                return .answered
            }
        }
        group.post("skip") { request, context in
            guard let worker = try await worker(context) else { return refusedAction() }
            let body = try await API.decode(SkipBody.self, from: request)
            return try await act(worker, token: context.parameters.require("token")) { db, context in
                try WorkerDesk.skip(db, assignment: body.assignment, workerId: worker.id, context: context)
                return .skipped
            }
        }
        group.post("undo") { _, context in
            guard let worker = try await worker(context) else { return refusedAction() }
            return try await act(worker, token: context.parameters.require("token")) { db, context in
                try WorkerDesk.undoLast(db, workerId: worker.id, context: context) != nil ? .undone : nil
            }
        }
        group.get("references/:reference") { request, context in try await reference(request, context) }
        group.get("images/:image") { request, context in
            guard let worker = try await worker(context) else { return refusedAction() }
            guard let imageId = context.parameters.get("image", as: Int64.self) else {
                return API.error(.notFound, "no such image")
            }
            return try await ImageResponder(store: server.store, maxSide: server.settings.maxImageSide)
                .respond(imageId: imageId, workerId: worker.id, ifNoneMatch: request.headers[.ifNoneMatch])
        }
    }

    /// A reference picture of the "find this" panel, to any worker whose link works.
    func reference(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard try await worker(context) != nil else { return refusedAction() }
        guard let id = context.parameters.get("reference", as: Int64.self),
              let file = try await server.store.pool.read({ db in try ReviewGuide.referenceFile(id, db) }) else {
            return API.error(.notFound, "no such reference")
        }
        let etag = "\"ref-\(file.sha256.prefix(32))\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "private, max-age=86400, immutable"]
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = file.format == "png" ? "image/png" : "image/jpeg"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    /// The worker behind the link's secret, if the link works.
    func worker(_ context: BasicRequestContext) async throws -> Worker? {
        guard let secret = context.parameters.get("token") else { return nil }
        let holder = try await server.store.pool.read { db in try AccessTokens.holder(of: secret, db) }
        guard case .worker(let id, let name) = holder else { return nil }
        return Worker(id: id, name: name)
    }

    /// Runs one action and reads the new state in the same short transaction;
    /// the action's event is counted once the transaction has committed.
    /// Refusals (someone else's or a forged assignment, one already closed)
    /// roll the transaction back: nothing is written.
    func act(_ worker: Worker, token: String, _ action: @escaping @Sendable (Database, RunContext) throws -> ReviewServer.Event?) async throws -> Response {
        let context = server.context(for: worker.name)
        do {
            let (event, state) = try await WorkerDesk.perform(store: server.store, workerId: worker.id, context: context, action)
            if let event { server.record(event) }
            return API.json(["state": json(state, token: token)])
        } catch let error as ReviewError {
            server.record(.refused)
            let state = try await WorkerDesk.state(store: server.store, workerId: worker.id, context: context)
            switch error {
            case .notFound, .notYours:
                return API.json(["error": "assignment refused: it is not one of yours", "state": json(state, token: token)], status: .forbidden)
            case .closed(let id, let status):
                let why = status == "expired" ? "its time ran out; it goes back to the queue" : "it was already \(status)"
                return API.json(["error": "assignment \(id) takes no answer: \(why)", "state": json(state, token: token)], status: .conflict)
            }
        } catch LWError.invalidArgument(let message) {
            return API.error(.badRequest, message)
        }
    }

    func json(_ state: State, token: String) -> [String: Any] {
        [
            "items": state.items.map { ["assignment": $0.assignmentId, "image": "/w/\(token)/images/\($0.imageId)",
                                     "name": Self.displayName($0.source)] },
            "progress": ["done": state.progress.done, "open": state.progress.open],
            "can_undo": state.canUndo,
        ]
    }

    /// Workers see the file's name, not where the owner keeps it.
    static func displayName(_ source: String) -> String {
        source.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? source
    }

    func page(_ worker: Worker, token: String) async throws -> Response {
        let (labels, guide) = try await server.store.pool.read { db in (try WorkerDesk.labels(db), try ReviewGuide.load(db)) }
        let keys = InteractiveReview.keys(for: labels)
        let buttons = labels.map { label -> String in
            let bound = keys.filter { $0.value == label }.keys.sorted().map { "<kbd>\(HTML.escape(String(UnicodeScalar($0))))</kbd>" }
            return "<button class=\"label\" data-label=\"\(HTML.escape(label))\">\(bound.joined(separator: " "))<span>\(HTML.escape(label))</span></button>"
        }.joined()
        let keyMap = JSON.text(Dictionary(uniqueKeysWithValues: keys.map { (String(UnicodeScalar($0.key)), $0.value) }))
        let body = """
            <header><strong>\(HTML.escape(worker.name))</strong><span id="progress" aria-live="polite"></span></header>
            <main>
            <div class="desk"><figure><img id="image" alt=""><figcaption id="source"></figcaption></figure>\(Self.guidePanel(guide, token: token))</div>
            <p id="message" role="status"></p>
            <nav id="actions">\(buttons)<button id="skip"><kbd>s</kbd><span>skip</span></button><button id="undo"><kbd>u</kbd><span>undo</span></button></nav>
            </main>
            """
        return HTML.page(title: "lw — \(worker.name)", body: body,
                         attributes: " data-base=\"/w/\(HTML.escape(token))\" data-keys=\"\(HTML.escape(keyMap))\"", script: "review.js")
    }

    /// The job's instructions and the references of each label, beside the image.
    static func guidePanel(_ guide: ReviewGuide, token: String) -> String {
        if guide.instructions == nil && guide.references.isEmpty { return "" }
        var html = "<aside id=\"guide\">"
        if let instructions = guide.instructions {
            html += "<section id=\"instructions\"><h2>Instructions</h2><p class=\"instructions\">\(HTML.escape(instructions))</p></section>"
        }
        if !guide.references.isEmpty {
            html += "<section id=\"find-this\"><h2>Find this</h2>" + guide.references.map { reference in
                let label = HTML.escape(reference.label)
                return "<figure class=\"reference\"><img src=\"/w/\(HTML.escape(token))/references/\(reference.id)\" alt=\"\(label) reference\"><figcaption>\(label)</figcaption></figure>"
            }.joined() + "</section>"
        }
        return html + "</aside>"
    }

    func refusedLink() -> Response {
        HTML.refusal(.forbidden, "This link does not work: it was mistyped, replaced by a newer one, or the worker is disabled. Ask the job owner for your current link.")
    }

    func refusedAction() -> Response {
        API.error(.forbidden, "this link does not work (mistyped, replaced, or the worker is disabled); ask the job owner for your current link")
    }
}
