import GRDB

/// `lw consensus`: RefreshConsensus as a command of its own, in one transaction.
public enum RunConsensus {
    public static func run(store: Store, context: RunContext) throws -> RefreshConsensus.Summary {
        var context = context
        return try store.pool.write { db in
            try context.begin(db)
            let summary = try RefreshConsensus.run(db, context: context)
            try context.finish(db, status: .succeeded, counts: [
                "images": summary.images, "decided": summary.decided, "revised": summary.revised, "removed": summary.removed,
            ])
            return summary
        }
    }
}
