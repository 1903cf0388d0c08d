import Crypto
import Dispatch
import Foundation

/// Single-layer learned filters (Coates & Ng, 2011): 6×6 RGB patches,
/// contrast-normalised, ZCA-whitened, k-means centroids as filters, dense
/// stride-1 "triangle" encoding, MAX pooled over the whole image (the logo
/// can be anywhere), log1p. One bank per image size; the features of all
/// banks are concatenated.
///
/// The whitening is folded into the filters: one product of each patch with a
/// 108×(108+K) matrix gives both the whitened patch (for its norm) and its dot
/// products with the K centroids.
public struct FilterBank: Codable, Sendable, Equatable {
    /// Images are resized so that their longer side is `side` pixels.
    public var side: Int
    public var patch: Int
    public var k: Int
    /// Mean of the normalised patches (whitening centre), patch·patch·3 values.
    public var mean: [Float]
    /// [Wz | Wz·Cᵀ], (patch²·3) × (patch²·3 + k), row-major.
    public var filters: [Float]
    /// |c_k|² of the centroids in whitened space.
    public var centroidNorms: [Float]

    var dims: Int { patch * patch * 3 }
    var columns: Int { dims + k }
}

public struct FeatureExtractor: Codable, Sendable, Equatable {
    public var banks: [FilterBank]
    public var dimension: Int { banks.reduce(0) { $0 + $1.k } }
    public static let algorithm = "coates-ng-triangle-maxpool-v1"

    /// A stable identifier of these exact filters: cached features are keyed by it.
    public var version: String {
        var hasher = SHA256()
        for bank in banks {
            hasher.update(data: withUnsafeBytes(of: bank.side) { Data($0) })
            bank.filters.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            bank.mean.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return Self.algorithm + ":" + hasher.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The image sizes the banks need, decoded once per image.
    public var sides: [Int] { banks.map(\.side) }

    // MARK: Encoding

    /// The feature vector of one image, given its resized versions (one per bank).
    public func encode(_ images: [RGBImage]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(dimension)
        for (bank, image) in zip(banks, images) { out += Self.encode(image, bank: bank) }
        return out
    }

    static func encode(_ image: RGBImage, bank: FilterBank) -> [Float] {
        let p = bank.patch, d = bank.dims, cols = bank.columns, k = bank.k
        var pooled = [Float](repeating: 0, count: k)
        let gw = image.width - p + 1, gh = image.height - p + 1
        guard gw > 0, gh > 0 else { return pooled }
        let total = gw * gh
        let chunk = 64
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: chunk * d)
        let products = UnsafeMutablePointer<Float>.allocate(capacity: chunk * cols)
        defer { patches.deallocate(); products.deallocate() }
        image.pixels.withUnsafeBufferPointer { px in
            bank.filters.withUnsafeBufferPointer { filters in
                bank.mean.withUnsafeBufferPointer { mean in
                    bank.centroidNorms.withUnsafeBufferPointer { norms in
                        pooled.withUnsafeMutableBufferPointer { pool in
                            var start = 0
                            while start < total {
                                let n = min(chunk, total - start)
                                for r in 0..<n {
                                    let index = start + r
                                    let y = index / gw, x = index % gw
                                    Self.normalisedPatch(px.baseAddress!, width: image.width, x: x, y: y, patch: p,
                                                         mean: mean.baseAddress!, into: patches + r * d)
                                }
                                LinearAlgebra.multiply(patches, filters.baseAddress!, products, m: n, k: d, n: cols)
                                for r in 0..<n {
                                    Self.triangle(products + r * cols, dims: d, k: k, norms: norms.baseAddress!, pool: pool.baseAddress!)
                                }
                                start += n
                            }
                        }
                    }
                }
            }
        }
        return pooled.map { log1p($0) }
    }

    /// A patch minus its mean over its own pixels, divided by sqrt(var + 10),
    /// then minus the whitening centre.
    @inline(__always)
    static func normalisedPatch(_ px: UnsafePointer<UInt8>, width: Int, x: Int, y: Int, patch p: Int,
                                mean: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        var i = 0
        var sum: Float = 0
        for dy in 0..<p {
            let row = px + ((y + dy) * width + x) * 3
            for j in 0..<(p * 3) {
                let v = Float(row[j])
                out[i] = v
                sum += v
                i += 1
            }
        }
        let count = Float(p * p * 3)
        let mu = sum / count
        var sq: Float = 0
        for j in 0..<i { let c = out[j] - mu; out[j] = c; sq += c * c }
        let scale = 1 / (sq / count + 10).squareRoot()
        if let mean {
            for j in 0..<i { out[j] = out[j] * scale - mean[j] }
        } else {
            for j in 0..<i { out[j] *= scale }
        }
    }

    /// Triangle activation max(0, mean(z) − z_k), z_k the distance to centroid k,
    /// folded into the running max.
    @inline(__always)
    static func triangle(_ row: UnsafeMutablePointer<Float>, dims d: Int, k: Int, norms: UnsafePointer<Float>, pool: UnsafeMutablePointer<Float>) {
        var xw2: Float = 0
        for j in 0..<d { xw2 += row[j] * row[j] }
        let dots = row + d
        var mean: Float = 0
        for j in 0..<k {
            let z = max(xw2 - 2 * dots[j] + norms[j], 0).squareRoot()
            dots[j] = z
            mean += z
        }
        mean /= Float(k)
        for j in 0..<k {
            let f = mean - dots[j]
            if f > pool[j] { pool[j] = f }
        }
    }

    // MARK: Learning the filters

    /// Learns one bank from random patches of `images` (already resized to
    /// `side`): normalise, ZCA (epsilon 0.1), k-means (15 rounds). Seeded.
    public static func learnBank(from images: [RGBImage], side: Int, patch: Int = 6, k: Int, patches count: Int = 60_000,
                                 seed: UInt64, threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> FilterBank {
        var rng = SeededGenerator(seed: seed)
        let d = patch * patch * 3
        let usable = images.filter { $0.width >= patch && $0.height >= patch }
        precondition(!usable.isEmpty, "no image is large enough for \(patch)x\(patch) patches")
        var x = [Float](repeating: 0, count: count * d)
        x.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<count {
                let image = usable[Int(rng.next() % UInt64(usable.count))]
                let px = Int(rng.next() % UInt64(image.width - patch + 1)), py = Int(rng.next() % UInt64(image.height - patch + 1))
                image.pixels.withUnsafeBufferPointer {
                    normalisedPatch($0.baseAddress!, width: image.width, x: px, y: py, patch: patch, mean: nil, into: buffer.baseAddress! + i * d)
                }
            }
        }
        // Whitening: M, covariance, Wz = V diag(1/sqrt(λ + 0.1)) Vᵀ.
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<count { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
        mean = mean.map { $0 / Double(count) }
        var cov = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<count {
            for j in 0..<d { centred[j] = Double(x[i * d + j]) - mean[j] }
            for a in 0..<d { let ca = centred[a]; for b in a..<d { cov[a * d + b] += ca * centred[b] } }
        }
        for a in 0..<d { for b in a..<d { cov[a * d + b] /= Double(count - 1); cov[b * d + a] = cov[a * d + b] } }
        let (values, vectors) = LinearAlgebra.symmetricEigen(cov, size: d)
        var wz = [Float](repeating: 0, count: d * d)
        for a in 0..<d {
            for b in 0..<d {
                var s = 0.0
                for e in 0..<d { s += vectors[a * d + e] * vectors[b * d + e] / (max(values[e], 0) + 0.1).squareRoot() }
                wz[a * d + b] = Float(s)
            }
        }
        // Whitened patches.
        let meanF = mean.map { Float($0) }
        for i in 0..<count { for j in 0..<d { x[i * d + j] -= meanF[j] } }
        var xw = [Float](repeating: 0, count: count * d)
        x.withUnsafeBufferPointer { xp in wz.withUnsafeBufferPointer { wp in xw.withUnsafeMutableBufferPointer { out in
            LinearAlgebra.multiply(xp.baseAddress!, wp.baseAddress!, out.baseAddress!, m: count, k: d, n: d)
        } } }
        let centroids = kMeans(xw, count: count, dims: d, k: k, iterations: 15, rng: &rng, threads: threads)
        // Fold: filters = [Wz | Wz·Cᵀ].
        let cols = d + k
        var filters = [Float](repeating: 0, count: d * cols)
        for a in 0..<d {
            for b in 0..<d { filters[a * cols + b] = wz[a * d + b] }
            for c in 0..<k {
                var s: Float = 0
                for e in 0..<d { s += wz[a * d + e] * centroids[c * d + e] }
                filters[a * cols + d + c] = s
            }
        }
        let norms = (0..<k).map { c in (0..<d).reduce(Float(0)) { $0 + centroids[c * d + $1] * centroids[c * d + $1] } }
        return FilterBank(side: side, patch: patch, k: k, mean: meanF, filters: filters, centroidNorms: norms)
    }

    static func kMeans(_ x: [Float], count n: Int, dims d: Int, k: Int, iterations: Int,
                       rng: inout SeededGenerator, threads: Int) -> [Float] {
        var centroids = [Float](repeating: 0, count: k * d)
        for c in 0..<k {
            let i = Int(rng.next() % UInt64(n))
            for j in 0..<d { centroids[c * d + j] = x[i * d + j] }
        }
        var assignment = [Int](repeating: 0, count: n)
        for _ in 0..<iterations {
            // Assignment: argmax x·c − |c|²/2, in chunks on every core.
            var ct = [Float](repeating: 0, count: d * k)  // Cᵀ
            for c in 0..<k { for j in 0..<d { ct[j * k + c] = centroids[c * d + j] } }
            let half = (0..<k).map { c in (0..<d).reduce(Float(0)) { $0 + centroids[c * d + $1] * centroids[c * d + $1] } / 2 }
            let chunk = 1024
            let chunks = (n + chunk - 1) / chunk
            let box = AssignmentBox(count: n)
            x.withUnsafeBufferPointer { xp in ct.withUnsafeBufferPointer { cp in
                let xBase = SendablePointer(xp.baseAddress!), cBase = SendablePointer(cp.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunkIndex in
                    let start = chunkIndex * chunk, m = min(chunk, n - start)
                    let products = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
                    defer { products.deallocate() }
                    LinearAlgebra.multiply(xBase.pointer + start * d, cBase.pointer, products, m: m, k: d, n: k)
                    for r in 0..<m {
                        var best = 0
                        var bestScore = -Float.infinity
                        for c in 0..<k {
                            let s = products[r * k + c] - half[c]
                            if s > bestScore { bestScore = s; best = c }
                        }
                        box.values[start + r] = best
                    }
                }
            } }
            for i in 0..<n { assignment[i] = box.values[i] }
            var sums = [Float](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = assignment[i]
                counts[c] += 1
                for j in 0..<d { sums[c * d + j] += x[i * d + j] }
            }
            for c in 0..<k {
                if counts[c] > 0 {
                    for j in 0..<d { centroids[c * d + j] = sums[c * d + j] / Float(counts[c]) }
                } else {  // an empty cluster restarts at a random patch
                    let i = Int(rng.next() % UInt64(n))
                    for j in 0..<d { centroids[c * d + j] = x[i * d + j] }
                }
            }
        }
        return centroids
    }
}

private final class AssignmentBox: @unchecked Sendable {
    var values: UnsafeMutableBufferPointer<Int>
    init(count: Int) { values = .allocate(capacity: count); values.initialize(repeating: 0) }
    deinit { values.deallocate() }
}

struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafePointer<T>
    init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}
