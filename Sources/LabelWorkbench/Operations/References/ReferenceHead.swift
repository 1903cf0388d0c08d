import Crypto
import Foundation
import GRDB

/// The head fitted on the job's references (`ReferencePastes`): each reference
/// pasted into pictures of the job, beside as many pastes of patches of other
/// pictures, through the backbone, and a multiple-instance head
/// (`MILHead`) on those maps. It never sees a human label, so its scores on
/// validation images are honest without cross-fitting. Made once per set of
/// references and backbone, stored in `reference_head`.
enum ReferenceHead {
    static let version = "reference-pastes-v2"
    /// Positives per reference (and as many negatives), and the pictures they are pasted into.
    /// A strong L2 keeps the head from learning the one picture by heart (the
    /// settings tried: bench/README.md, 2026-12-07).
    static let pastesPerReference = 400
    /// A small job gets fewer (the round-0 ranking costs about 20 ms a paste): one per 8 images, at least 48.
    static func pastes(images: Int) -> Int { min(pastesPerReference, max(48, images / 8)) }
    static let backgrounds = 64
    static let l2 = 1.0

    struct Reference {
        var label: Int
        var sha256: String
        var cutout: ObjectPastes.Cutout
    }

    /// The job's references as cut-outs (a PNG's transparent parts are not reference), in label order.
    static func references(_ db: Database) throws -> [Reference] {
        let classIndex = Dictionary(uniqueKeysWithValues: try LabelRecord.inClassOrder(db).map { ($0.id!, $0.classIndex) })
        return try ReferenceRecord.all(db).map { record in
            let cutout = try record.bytes.withUnsafeBytes { raw -> ObjectPastes.Cutout in
                if record.format == "png" {
                    let (image, alpha) = try PNGCodec.decodeWithAlpha(raw)
                    if alpha.contains(where: { $0 < 0.99 }) { return ReferencePastes.cutout(image, alpha: alpha) }
                    return ReferencePastes.cutout(image)
                }
                return ReferencePastes.cutout(try ImageProbe.decode(raw))
            }
            // A logo file's transparency says what is logo; an opaque crop is cut out by colour.
            let small = limited(cutout)
            let isOpaque = !small.mask.contains { $0 < 1 }
            return Reference(label: classIndex[record.labelId]!, sha256: record.sha256,
                             cutout: isOpaque ? ReferencePastes.photoCutout(small.image) : small)
        }
    }

    /// Whether the job has references at all (cheap: no decoding).
    static func exist(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM reference)") ?? false
    }

    /// The stored key of a set of references (label, sha256) on a backbone.
    static func key(_ references: [(label: Int, sha256: String)], pastes: Int, backboneId: Int64) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(version)|\(pastes)|\(backgrounds)|\(backboneId)".utf8))
        for r in references { hasher.update(data: Data("|\(r.label):\(r.sha256)".utf8)) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The key without decoding the references (nil: none): part of a model's key.
    static func storedKey(_ db: Database, backboneId: Int64) throws -> String? {
        let rows = try Row.fetchAll(db, sql: """
            SELECT l.class_index, r.sha256 FROM reference AS r JOIN label AS l ON l.id = r.label_id ORDER BY l.class_index, r.id
            """)
        let images = try Int.fetchOne(db, sql: "SELECT count(*) FROM image") ?? 0
        return rows.isEmpty ? nil : key(rows.map { (label: $0["class_index"] as Int, sha256: $0["sha256"] as String) },
                                        pastes: pastes(images: images), backboneId: backboneId)
    }

    /// The head for the job's references, made and stored when missing; nil without references.
    static func ensure(store: Store, backbone: BackboneCache.Loaded, context: RunContext, progress: ProgressReporter?) throws -> MILHead? {
        let references = try store.pool.read { try Self.references($0) }
        guard !references.isEmpty else { return nil }
        let pastes = Self.pastes(images: try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM image") ?? 0 })
        let key = Self.key(references.map { (label: $0.label, sha256: $0.sha256) }, pastes: pastes, backboneId: backbone.id)
        if let text = try store.pool.read({ try String.fetchOne($0, sql: "SELECT head FROM reference_head WHERE key = ?", arguments: [key]) }) {
            return try JSONDecoder().decode(MILHead.self, from: Data(text.utf8))
        }
        let classes = try store.pool.read { try LabelRecord.fetchCount($0) }
        let pictures = try backgroundPictures(store: store, side: backbone.inputSide)
        let examples = ReferencePastes.make(references: references.map { ($0.label, $0.cutout) }, backgrounds: pictures,
                                            absence: classes - 1, perReference: pastes, seed: 0x7265_6665)
        guard !examples.isEmpty else { return nil }
        progress?.start("reference pastes", total: examples.count)
        let network = backbone.network
        let maps = parallelMap(examples) { network.map($0.image) }
        progress?.finish()
        let head = MILHead.fit(maps, labels: examples.map(\.label), sampleWeights: examples.map { _ in 1 }, classes: classes, l2: l2,
                               standardization: MILHead.standardization(maps))
        try store.pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO reference_head (key, backbone_id, references_used, examples, head, created_at, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key, backbone.id, references.count, examples.count, JSON.text(encoding: head), context.clock.iso, context.runId])
        }
        return head
    }

    /// Pictures of the job to paste into: the last of its random order (the
    /// last to enter the validation sample), decoded as the backbone reads them.
    static func backgroundPictures(store: Store, side: Int) throws -> [RGBImage] {
        let paths = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT path FROM image ORDER BY random_rank DESC LIMIT ?", arguments: [backgrounds * 2])
        }
        let decoded = parallelMap(paths) { path -> RGBImage? in
            guard let bytes = try? FileReader.readAll(path) else { return nil }
            return try? bytes.withUnsafeBytes { try BackboneCache.prepare($0, long: side) }
        }
        return Array(decoded.compactMap { $0 }.prefix(backgrounds))
    }

    /// A reference larger than the backbone's input is scaled down first (pastes are at most 40% of a picture).
    static func limited(_ cutout: ObjectPastes.Cutout, longest: Int = 256) -> ObjectPastes.Cutout {
        let w = cutout.image.width, h = cutout.image.height
        guard max(w, h) > longest else { return cutout }
        let scale = Double(longest) / Double(max(w, h))
        let nw = max(1, Int(Double(w) * scale)), nh = max(1, Int(Double(h) * scale))
        return ObjectPastes.Cutout(image: Resize.area(cutout.image, width: nw, height: nh),
                                   mask: ObjectPastes.resizedMask(cutout, width: nw, height: nh))
    }
}
