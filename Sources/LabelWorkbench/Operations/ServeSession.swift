import GRDB

/// `lw serve`'s run: started before the server answers anything, consensus
/// refreshed over every vote while it runs, and ended with what the workers
/// did — or as failed when the server could not start. Each answer, skip and
/// undo is written by `WorkerDesk` under this run.
public enum ServeSession {
    public static func start(store: Store, context: inout RunContext) throws {
        try context.start(in: store)
    }

    /// Consensus over every vote now (writes only changes).
    public static func refreshConsensus(store: Store, context: RunContext) async throws -> RefreshConsensus.Summary {
        try await store.pool.write { db in try RefreshConsensus.run(db, context: context) }
    }

    /// The last consensus, and the run closed with the server's counts.
    public static func finish(store: Store, context: RunContext, counts: [String: Int]) async throws {
        try await store.pool.write { db in
            _ = try RefreshConsensus.run(db, context: context)
            try context.finish(db, status: .succeeded, counts: counts)
        }
    }

    public static func fail(store: Store, context: RunContext, error: Error) {
        try? context.end(in: store, status: .failed, counts: ["error": "\(error)"])
    }
}
