import Foundation
import GRDB

/// `lw duplicates`: groups of near-duplicate images (perceptual hashes within
/// `PerceptualHash.radius` bits) with their labels, groups whose labels
/// disagree first. Images imported before lw kept perceptual hashes get theirs
/// first: read and hashed on every core, stored in batches, one transaction each.
public enum NearDuplicates {
    public struct Member: Sendable, Equatable {
        public var imageId: Int64
        public var source: String
        /// The image's label, human or machine (nil: none yet).
        public var label: String?
    }

    public struct Group: Sendable, Equatable {
        /// 1, 2, … in listing order.
        public var number: Int
        public var members: [Member]
        /// Its images carry different labels.
        public var conflicting: Bool { Set(members.compactMap(\.label)).count > 1 }
    }

    public static let csvHeader = ["group", "image_id", "source", "label"]

    /// Hashes the images that have none yet; returns how many were hashed and
    /// how many could not be read (they keep no hash and are left out).
    public static func hashMissing(store: Store, context: RunContext, progress: ProgressReporter?) throws -> (hashed: Int, unreadable: Int) {
        let missing = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, path FROM image WHERE perceptual_hash IS NULL ORDER BY id").map { ($0["id"] as Int64, $0["path"] as String) }
        }
        guard !missing.isEmpty else { return (0, 0) }
        var context = context
        try context.start(in: store)
        var hashed = 0, unreadable = 0
        progress?.start("hash", total: missing.count)
        try context.endingFailed(in: store) {
            try pipelined(missing, batchSize: 256, transform: { Self.hash(path: $0.1) }) { batch, hashes in
                try store.pool.write { db in
                    for ((id, _), hash) in zip(batch, hashes) {
                        guard let hash else { unreadable += 1; continue }
                        try db.execute(sql: "UPDATE image SET perceptual_hash = ? WHERE id = ?", arguments: [Int64(bitPattern: hash), id])
                        hashed += 1
                    }
                }
                progress?.advance(by: batch.count)
            }
        }
        progress?.finish()
        try context.end(in: store, status: unreadable == 0 ? .succeeded : .partial, counts: ["hashed": hashed, "unreadable": unreadable])
        return (hashed, unreadable)
    }

    static func hash(path: String) -> UInt64? {
        guard let bytes = try? FileReader.readAll(path) else { return nil }
        return bytes.withUnsafeBytes { try? ImageProbe.probe($0, maxPixels: Int.max).perceptualHash }
    }

    /// The groups, those with disagreeing labels first, then the larger, then by their first image.
    public static func groups(_ db: Database, radius: Int = PerceptualHash.radius) throws -> [Group] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT i.id, i.source, i.perceptual_hash, s.label FROM image AS i LEFT JOIN image_status AS s ON s.image_id = i.id
            WHERE i.perceptual_hash IS NOT NULL ORDER BY i.id
            """)
        let members = rows.map { Member(imageId: $0["id"], source: $0["source"], label: $0["label"]) }
        let hashes = rows.map { UInt64(bitPattern: $0["perceptual_hash"] as Int64) }
        let found = NearDuplicateIndex.groups(hashes, radius: radius).map { Group(number: 0, members: $0.map { members[$0] }) }
        return found.sorted { a, b in
            if a.conflicting != b.conflicting { return a.conflicting }
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            return a.members[0].imageId < b.members[0].imageId
        }.enumerated().map { Group(number: $0.offset + 1, members: $0.element.members) }
    }
}
