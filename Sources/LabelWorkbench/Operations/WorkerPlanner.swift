import Foundation
import GRDB

/// Picks distinct workers for an image: never one already on it, never one at
/// their open-assignment cap, least loaded first (open, then ever assigned),
/// ties broken by a seeded hash so no worker is always first. For dynamic
/// overlap the most accurate workers (as consensus estimates them) come first.
struct WorkerPlanner {
    private var open: [Int64: Int] = [:]
    private var total: [Int64: Int] = [:]
    private var accuracy: [Int64: Double] = [:]
    private let workers: [Int64]
    private let maxOpen: Int?
    private let seed: UInt64

    init(_ db: Database, workers: [Int64], maxOpen: Int?, seed: UInt64) throws {
        self.workers = workers
        self.maxOpen = maxOpen
        self.seed = seed
        for row in try Row.fetchAll(db, sql: """
            SELECT worker_id, sum(status = 'open') AS open, count(*) AS total FROM assignment GROUP BY worker_id
            """) {
            open[row["worker_id"]] = row["open"]
            total[row["worker_id"]] = row["total"]
        }
        accuracy = try WorkerQualityRecord.accuracyByWorker(db)
        for expert in try WorkerRecord.expertIds(db) { accuracy[expert] = 1 }
    }

    /// True when every worker is at their cap: nothing more can be assigned.
    var exhausted: Bool {
        guard let maxOpen else { return false }
        return workers.allSatisfy { open[$0, default: 0] >= maxOpen }
    }

    mutating func choose(_ count: Int, for image: Int64, db: Database, preferAccurate: Bool = false) throws -> [Int64] {
        let busy = Set(try Int64.fetchAll(db, sql: """
            SELECT worker_id FROM assignment WHERE image_id = ? AND status IN ('open', 'answered', 'skipped')
            UNION SELECT worker_id FROM vote WHERE image_id = ?
            """, arguments: [image, image]))
        let eligible = workers.filter { !busy.contains($0) && (maxOpen == nil || open[$0, default: 0] < maxOpen!) }
        let chosen = eligible.sorted { a, b in
            if preferAccurate {
                // Estimated accuracy in steps of 2.5 points, then load: the best workers, not always the same one.
                let qa = -Int((accuracy[a] ?? 0.75) * 40), qb = -Int((accuracy[b] ?? 0.75) * 40)
                if qa != qb { return qa < qb }
            }
            let ka = (open[a, default: 0], total[a, default: 0], mix(a, image)), kb = (open[b, default: 0], total[b, default: 0], mix(b, image))
            return ka < kb
        }.prefix(count)
        for w in chosen { open[w, default: 0] += 1; total[w, default: 0] += 1 }
        return Array(chosen)
    }

    private func mix(_ worker: Int64, _ image: Int64) -> UInt64 {
        var g = SeededGenerator(seed: seed ^ (UInt64(bitPattern: worker) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: image))
        return g.next()
    }
}
