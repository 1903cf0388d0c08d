import Foundation
import GRDB
import Hummingbird
import Logging
import LabelWorkbench
import Synchronization

/// `lw serve`: the browser review pages over the same database and the same
/// operations as `lw review`. Each request is its own short transaction; the
/// server holds no state a crash could lose beyond the request in flight.
public final class ReviewServer: Sendable {
    public struct Settings: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// Images larger than this (either side) are re-encoded as JPEG to fit.
        public var maxImageSide = 1280
        /// How often consensus is recomputed while new votes arrive.
        public var consensusInterval: Double = 10
        public init() {}
    }

    /// What this server did, for its run row.
    public struct Counters: Sendable, Equatable {
        public var answered = 0
        public var skipped = 0
        public var undone = 0
        public var refused = 0
    }

    let store: Store
    /// The `serve` run every answer is recorded under (actor: the worker).
    let context: RunContext
    let settings: Settings
    let counters = Mutex(Counters())
    /// Votes changed since the last consensus refresh.
    let votesChanged = Mutex(false)

    /// `context` must already be started (`ServeSession.start`).
    public init(store: Store, context: RunContext, settings: Settings) {
        self.store = store
        self.context = context
        self.settings = settings
    }

    public var counts: Counters { counters.withLock { $0 } }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(SecurityHeaders())
        router.middlewares.add(CrossSiteGuard())
        Assets.register(on: router)
        router.get("/") { _, _ in
            HTML.page(title: "lw", body: "<main class=\"notice\"><h1>lw review server</h1><p>Open your personal link to review images.</p></main>")
        }
        router.get("favicon.ico") { _, _ in Response(status: .noContent) }
        WorkerRoutes(server: self).register(on: router)
        OwnerRoutes(server: self).register(on: router)
        return router
    }

    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "lw"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: {
                var logger = Logger(label: "lw.serve")
                logger.logLevel = .warning
                return logger
            }()
        )
    }

    /// Recomputes consensus when votes changed since the last call.
    @discardableResult
    public func refreshConsensusIfNeeded() async throws -> RefreshConsensus.Summary? {
        guard votesChanged.withLock({ $0 }) else { return nil }
        return try await refreshConsensus()
    }

    /// Recomputes consensus over every vote now (at start: a server killed
    /// with kill -9 left its last votes without consensus). Writes only changes.
    @discardableResult
    public func refreshConsensus() async throws -> RefreshConsensus.Summary {
        votesChanged.withLock { $0 = false }
        return try await ServeSession.refreshConsensus(store: store, context: context)
    }

    /// Refreshes consensus every `consensusInterval` seconds until cancelled.
    public func refreshConsensusPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(settings.consensusInterval))
            if Task.isCancelled { break }
            _ = try? await refreshConsensusIfNeeded()
        }
    }

    /// The last consensus over every vote, and the run row closed.
    public func finish() async throws {
        votesChanged.withLock { $0 = true }
        let counts = self.counts
        try await ServeSession.finish(store: store, context: context, counts: [
            "answered": counts.answered, "skipped": counts.skipped, "undone": counts.undone, "refused": counts.refused,
        ])
    }

    enum Event { case answered, skipped, undone, refused }

    func record(_ event: Event) {
        counters.withLock { counts in
            switch event {
            case .answered: counts.answered += 1
            case .skipped: counts.skipped += 1
            case .undone: counts.undone += 1
            case .refused: counts.refused += 1
            }
        }
        if event == .answered || event == .undone { votesChanged.withLock { $0 = true } }
    }

    /// The run context of one worker's request: same run, the worker as actor.
    func context(for worker: String) -> RunContext {
        var context = self.context
        context.actor = worker
        return context
    }
}
