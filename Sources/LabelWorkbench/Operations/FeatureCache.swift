import Foundation
import GRDB

/// The job's feature extractor (learned once, from a random sample of the
/// imported images, then kept so cached features stay valid) and the cached
/// feature vectors of images, computed on every core in batches — one
/// transaction each, so a killed run keeps what it computed.
public enum FeatureCache {
    /// Image sizes and filters per size of the built-in extractor (job.feature_banks).
    public static func parseBanks(_ text: String) throws -> [(side: Int, k: Int)] {
        let banks = text.split(separator: ",").map { $0.split(separator: ":").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        guard !banks.isEmpty, banks.allSatisfy({ $0.count == 2 && $0[0] >= 16 && $0[0] <= 1024 && $0[1] >= 2 && $0[1] <= 4096 }) else {
            throw LWError.invalidArgument("feature banks '\(text)' are not understood: use SIDE:FILTERS pairs, e.g. 128:2048 or 128:256,192:256")
        }
        return banks.map { ($0[0], $0[1]) }
    }
    static let sampleImages = 600

    public static func current(_ db: Database) throws -> (id: Int64, extractor: FeatureExtractor)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, filters FROM feature_extractor ORDER BY id DESC LIMIT 1") else { return nil }
        let data: Data = row["filters"]
        return (row["id"], try JSONDecoder().decode(FeatureExtractor.self, from: data))
    }

    /// The current extractor, learning it first when the job has none.
    public static func ensureExtractor(store: Store, context: RunContext, progress: ProgressReporter?) throws -> (id: Int64, extractor: FeatureExtractor) {
        if let existing = try store.pool.read({ try current($0) }) { return existing }
        let sample = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT path FROM image ORDER BY random_rank LIMIT ?", arguments: [sampleImages])
        }
        guard !sample.isEmpty else { throw LWError.invalidArgument("no images to learn features from: run `lw import` first") }
        let banksSpec = try store.pool.read { try JobSettings.load($0).featureBanks }
        let defaultBanks = try parseBanks(banksSpec)
        let sides = defaultBanks.map(\.side)
        progress?.start("learn features", total: sample.count)
        let prepared: [[RGBImage]?] = parallelMap(sample) { path in
            guard let bytes = try? FileReader.readAll(path) else { return nil }
            return try? bytes.withUnsafeBytes { try ScaledDecode.images($0, longSides: sides) }
        }
        progress?.advance(by: sample.count)
        progress?.finish()
        let images = prepared.compactMap { $0 }
        guard !images.isEmpty else { throw LWError.invalidArgument("none of the sampled images could be read: check that the imported files are still in place") }
        let banks = defaultBanks.enumerated().map { i, spec in
            FeatureExtractor.learnBank(from: images.map { $0[i] }, side: spec.side, k: spec.k, seed: UInt64(17 + i))
        }
        let extractor = FeatureExtractor(banks: banks)
        let data = try JSONEncoder().encode(extractor)
        return try store.pool.write { db in
            if let existing = try current(db) { return existing }  // another process won the race
            let parameters = JSON.text(["banks": defaultBanks.map { ["side": $0.side, "k": $0.k, "patch": 6] }, "sample_images": images.count])
            try db.execute(sql: """
                INSERT INTO feature_extractor (version, algorithm, parameters, filters, created_at, run_id) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [extractor.version, FeatureExtractor.algorithm, parameters, data, context.clock.iso, context.runId])
            let id = db.lastInsertedRowID
            try context.audit(db, action: .featureExtractorLearn, entity: "feature_extractor", entityId: id,
                              after: ["version": extractor.version, "sample_images": images.count])
            return (id, extractor)
        }
    }

    /// Computes and stores the features of `imageIds` that are not cached yet.
    /// Returns the ids whose files could not be read.
    @discardableResult
    public static func ensureFeatures(store: Store, extractorId: Int64, extractor: FeatureExtractor, imageIds: [Int64],
                                      progress: ProgressReporter?, batchSize: Int = 64) throws -> [Int64] {
        let missing = try store.pool.read { db in
            try uncached(db, imageIds, cached: "SELECT image_id FROM image_feature WHERE extractor_id = ?", extractorId)
        }
        if missing.isEmpty { return [] }
        var unreadable: [Int64] = []
        progress?.start("features", total: missing.count)
        let sides = extractor.sides
        try pipelined(missing, batchSize: batchSize, transform: { item -> [Float]? in
            guard let bytes = try? FileReader.readAll(item.1),
                  let images = try? bytes.withUnsafeBytes({ try ScaledDecode.images($0, longSides: sides) }) else { return nil }
            return extractor.encode(images)
        }) { batch, vectors in
            try store.pool.write { db in
                for (item, vector) in zip(batch, vectors) {
                    guard let vector else { unreadable.append(item.0); continue }
                    try db.execute(sql: "INSERT OR REPLACE INTO image_feature (extractor_id, image_id, vector) VALUES (?, ?, ?)",
                                   arguments: [extractorId, item.0, vector.withUnsafeBytes { Data($0) }])
                }
            }
            progress?.advance(by: batch.count)
        }
        progress?.finish()
        return unreadable
    }

    /// The images of `imageIds` that `cached` (a query of image ids, one
    /// argument) does not list, with their files: what a cache still has to compute.
    static func uncached(_ db: Database, _ imageIds: [Int64], cached sql: String, _ argument: Int64) throws -> [(Int64, String)] {
        let cached = Set(try Int64.fetchAll(db, sql: sql, arguments: [argument]))
        let paths = try ImageRecord.pathsById(db)
        return imageIds.filter { !cached.contains($0) }.compactMap { id in paths[id].map { (id, $0) } }
    }

    /// Every image's local file, by image id.
    public static func load(_ db: Database, extractorId: Int64, imageIds: [Int64]? = nil) throws -> [Int64: [Float]] {
        var out: [Int64: [Float]] = [:]
        try forEachVector(db, extractorId: extractorId, imageIds: imageIds) { out[$0] = $1 }
        return out
    }

    /// Streams cached vectors one at a time, so scoring 50,000 images never
    /// holds all their features (8 KB each with the default bank) in memory.
    public static func forEachVector(_ db: Database, extractorId: Int64, imageIds: [Int64]? = nil,
                                     _ body: (Int64, [Float]) throws -> Void) throws {
        let wanted = imageIds.map(Set.init)
        let cursor = try ImageFeatureRecord.filter(ImageFeatureRecord.Columns.extractorId == extractorId).fetchCursor(db)
        while let feature = try cursor.next() {
            if let wanted, !wanted.contains(feature.imageId) { continue }
            try body(feature.imageId, feature.vector.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        }
    }
}
