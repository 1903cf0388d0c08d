import Foundation

/// A 64-bit perceptual hash (pHash): the image in grey at 32×32, its 2-D
/// cosine transform, and one bit per coefficient of the lowest 8×8
/// frequencies — set when above their median. Resizing, re-encoding, a little
/// cropping or a colour shift move few bits; different pictures differ in
/// about half of them.
public enum PerceptualHash {
    static let side = 32, kept = 8

    /// Near-duplicates differ in at most this many bits (measured in
    /// bench/README.md: resized, re-encoded and 5%-cropped copies).
    public static let radius = 12

    public static func of(_ image: RGBImage) -> UInt64 {
        let small = Resize.area(image, width: side, height: side)
        var grey = [Double](repeating: 0, count: side * side)
        for i in 0..<(side * side) {
            let p = i * 3
            grey[i] = 0.299 * Double(small.pixels[p]) + 0.587 * Double(small.pixels[p + 1]) + 0.114 * Double(small.pixels[p + 2])
        }
        let coefficients = lowFrequencies(grey)
        let median = coefficients.sorted()[coefficients.count / 2]
        var hash: UInt64 = 0
        for (bit, c) in coefficients.enumerated() where c > median { hash |= 1 << UInt64(bit) }
        return hash
    }

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// The mean colour of each quarter of the image, 5 bits a channel (60 of
    /// 64 bits): the check that keeps plain pictures of different colours (a
    /// wallpaper, a solid background), whose DCT bits are mostly noise, apart.
    public static func colourSignature(_ image: RGBImage) -> UInt64 {
        let small = Resize.area(image, width: 2, height: 2)
        var signature: UInt64 = 0
        for (i, value) in small.pixels.enumerated() { signature |= UInt64(value >> 3) << UInt64(5 * i) }
        return signature
    }

    /// Colour signatures this close (each of the 12 channel means within
    /// one step of 32) belong to copies of one picture.
    public static func sameColours(_ a: UInt64, _ b: UInt64) -> Bool {
        (0..<12).allSatisfy { i in
            let x = Int((a >> UInt64(5 * i)) & 31), y = Int((b >> UInt64(5 * i)) & 31)
            return abs(x - y) <= 1
        }
    }

    /// cos((2x + 1)uπ / 2N) for the kept frequencies u.
    private static let basis: [Double] = (0..<kept).flatMap { u -> [Double] in
        (0..<side).map { x -> Double in
            let angle = Double(2 * x + 1) * Double(u) * Double.pi / Double(2 * side)
            return cos(angle)
        }
    }

    /// The DCT-II coefficients of the lowest `kept`×`kept` frequencies, row-major (v, u):
    /// each row's lowest frequencies, then those of each resulting column.
    private static func lowFrequencies(_ grey: [Double]) -> [Double] {
        let rows = transform(count: side) { y, x in grey[y * side + x] }        // rows[y * kept + u]
        let columns = transform(count: kept) { u, y in rows[y * kept + u] }    // columns[u * kept + v]
        return (0..<(kept * kept)).map { i in columns[(i % kept) * kept + i / kept] }
    }

    /// The `kept` lowest frequencies of `count` vectors of length `side`, given element by element.
    private static func transform(count: Int, _ value: (Int, Int) -> Double) -> [Double] {
        var out = [Double](repeating: 0, count: count * kept)
        for vector in 0..<count {
            for u in 0..<kept {
                var s = 0.0
                for k in 0..<side { s += value(vector, k) * basis[u * side + k] }
                out[vector * kept + u] = s
            }
        }
        return out
    }
}
