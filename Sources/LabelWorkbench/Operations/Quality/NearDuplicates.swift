import Foundation
import GRDB

/// `lw duplicates`: groups of near-duplicate images (perceptual hashes within
/// a radius, `PerceptualHash.radius` by default) with their labels, groups
/// whose labels disagree first. Images imported before lw kept perceptual
/// hashes get theirs first (read and hashed on every core, stored in batches,
/// one transaction each); the groups are stored in `near_duplicate` when they
/// changed. Nothing to hash and the same groups: no run, nothing written.
public struct NearDuplicates {
    public struct Member: Sendable, Equatable {
        public var imageId: Int64
        public var source: String
        /// The image's label, human or machine (nil: none yet).
        public var label: String?
    }

    public struct Group: Sendable, Equatable {
        /// The group's smallest image id.
        public var id: Int64
        public var members: [Member]
        /// Its images carry different labels.
        public var conflicting: Bool { Set(members.compactMap(\.label)).count > 1 }
    }

    public struct Summary: Sendable {
        public var hashed = 0
        public var unreadable = 0
        /// Conflicting first, then the larger, then by id.
        public var groups: [Group] = []
        public init() {}
    }

    public static let csvHeader = ["group", "image_id", "source", "label"]

    public var store: Store
    public var context: RunContext
    public var progress: ProgressReporter?
    public var radius = PerceptualHash.radius

    public init(store: Store, context: RunContext, progress: ProgressReporter?) {
        self.store = store
        self.context = context
        self.progress = progress
    }

    /// The groups, when every image has its hashes and the stored groups are
    /// these: nothing to write (a read-only database will do). Nil otherwise.
    public static func current(_ db: Database, radius: Int) throws -> [Group]? {
        guard try imagesWithoutHash(db).isEmpty else { return nil }
        let groups = try Self.groups(db, radius: radius), stored = try storedGroups(db)
        return membership(groups) == stored.members && (groups.isEmpty || stored.radius == radius) ? groups : nil
    }

    public mutating func run() throws -> Summary {
        var summary = Summary()
        if let groups = try store.pool.read({ try Self.current($0, radius: radius) }) {
            summary.groups = groups
            return summary
        }
        let missing = try store.pool.read { try Self.imagesWithoutHash($0) }
        try context.start(in: store)
        summary = try context.endingFailed(in: store) { try hashAndGroup(missing) }
        try context.end(in: store, status: summary.unreadable == 0 ? .succeeded : .partial, counts: [
            "hashed": summary.hashed, "unreadable": summary.unreadable, "groups": summary.groups.count,
            "images_in_groups": summary.groups.reduce(0) { $0 + $1.members.count },
        ])
        return summary
    }

    /// Hashes `missing`, then finds and stores the groups (the run is started).
    private func hashAndGroup(_ missing: [(id: Int64, path: String)]) throws -> Summary {
        var summary = Summary()
        (summary.hashed, summary.unreadable) = try hash(missing)
        let context = self.context, radius = self.radius
        let groups = try store.pool.read { try Self.groups($0, radius: radius) }
        try store.pool.write { db in try Self.store(groups, radius: radius, db: db, context: context) }
        summary.groups = groups
        return summary
    }

    static func imagesWithoutHash(_ db: Database) throws -> [(id: Int64, path: String)] {
        try Row.fetchAll(db, sql: "SELECT id, path FROM image WHERE perceptual_hash IS NULL OR colour_signature IS NULL ORDER BY id")
            .map { ($0["id"], $0["path"]) }
    }

    /// Hashes `images` on every core, stored batch by batch; returns how many
    /// were hashed and how many could not be read (they keep no hash).
    private func hash(_ images: [(id: Int64, path: String)]) throws -> (Int, Int) {
        guard !images.isEmpty else { return (0, 0) }
        var hashed = 0, unreadable = 0
        progress?.start("hash", total: images.count)
        try pipelined(images, batchSize: 256, transform: { Self.hash(path: $0.path) }) { batch, hashes in
            try store.pool.write { db in
                for (image, probe) in zip(batch, hashes) {
                    guard let probe else { unreadable += 1; continue }
                    try db.execute(sql: "UPDATE image SET perceptual_hash = ?, colour_signature = ? WHERE id = ?",
                                   arguments: [Int64(bitPattern: probe.perceptualHash), Int64(bitPattern: probe.colourSignature), image.id])
                    hashed += 1
                }
            }
            progress?.advance(by: batch.count)
        }
        progress?.finish()
        return (hashed, unreadable)
    }

    static func hash(path: String) -> ImageProbe? {
        guard let bytes = try? FileReader.readAll(path) else { return nil }
        return bytes.withUnsafeBytes { try? ImageProbe.probe($0, maxPixels: Int.max) }
    }

    /// The groups among the hashed images, conflicting first, then the larger, then by id.
    public static func groups(_ db: Database, radius: Int) throws -> [Group] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT i.id, i.source, i.perceptual_hash, i.colour_signature, s.label FROM image AS i LEFT JOIN image_status AS s ON s.image_id = i.id
            WHERE i.perceptual_hash IS NOT NULL AND i.colour_signature IS NOT NULL ORDER BY i.id
            """)
        let members = rows.map { Member(imageId: $0["id"], source: $0["source"], label: $0["label"]) }
        let hashes = rows.map { UInt64(bitPattern: $0["perceptual_hash"] as Int64) }
        let colours = rows.map { UInt64(bitPattern: $0["colour_signature"] as Int64) }
        let found = NearDuplicateIndex.groups(hashes, colours: colours, radius: radius).map { indices in
            Group(id: members[indices[0]].imageId, members: indices.map { members[$0] })
        }
        return found.sorted { a, b in
            if a.conflicting != b.conflicting { return a.conflicting }
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            return a.id < b.id
        }
    }

    static func membership(_ groups: [Group]) -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        for g in groups { for m in g.members { out[m.imageId] = g.id } }
        return out
    }

    static func storedGroups(_ db: Database) throws -> (members: [Int64: Int64], radius: Int?) {
        var members: [Int64: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT image_id, group_id FROM near_duplicate") { members[row["image_id"]] = row["group_id"] }
        return (members, try Int.fetchOne(db, sql: "SELECT max(radius) FROM near_duplicate"))
    }

    static func store(_ groups: [Group], radius: Int, db: Database, context: RunContext) throws {
        try db.execute(sql: "DELETE FROM near_duplicate")
        for (image, group) in membership(groups) {
            try db.execute(sql: "INSERT INTO near_duplicate (image_id, group_id, radius, run_id) VALUES (?, ?, ?, ?)",
                           arguments: [image, group, radius, context.runId])
        }
    }
}
