import Foundation

/// Synthetic examples made from a user's reference images (a logo file, a
/// crop): the reference pasted into the job's own pictures — small or large,
/// tilted, faint, tinted, blurred, anywhere — as examples of its label, and
/// as many pastes of patches of other pictures, made the same way, as
/// examples of the absence label, so the paste itself carries no signal.
public enum ReferencePastes {
    /// A paste's width against the background's, as the logos in the benchmark (5–40%).
    public static let widthShares = 0.05...0.4
    public static let angles = -20.0...20.0
    public static let opacities = 0.55...1.0

    /// One synthetic example: the picture and its label.
    public struct Example: Sendable {
        public var image: RGBImage
        public var label: Int
    }

    /// A reference as a cut-out: its pixels and opacity (a photo crop is opaque).
    public static func cutout(_ image: RGBImage, alpha: [Float]? = nil) -> ObjectPastes.Cutout {
        ObjectPastes.Cutout(image: image, mask: alpha ?? [Float](repeating: 1, count: image.width * image.height))
    }

    /// A crop from a photo (no transparency): the object told apart from the
    /// crop's surroundings by colour, as `ObjectCopies` finds objects — pixels
    /// unlike every colour on the crop's border. Kept opaque when that finds
    /// almost nothing or almost everything (the crop is all object).
    public static func photoCutout(_ image: RGBImage) -> ObjectPastes.Cutout {
        let object = ObjectCopies.objectMask(image, centreX: image.width / 2, centreY: image.height / 2,
                                             window: max(image.width, image.height))
        let share = Double(object.mask.reduce(0, +)) / Double(max(object.mask.count, 1))
        guard share >= 0.02 && share <= 0.8 else { return cutout(image) }
        return cutout(image, alpha: object.mask)
    }

    /// `perReference` positives for each reference (label, cut-out) and as
    /// many negatives (label `absence`) per reference, each on a background
    /// drawn from `backgrounds`. Seeded.
    public static func make(references: [(label: Int, cutout: ObjectPastes.Cutout)], backgrounds: [RGBImage], absence: Int,
                            perReference: Int, seed: UInt64) -> [Example] {
        guard !backgrounds.isEmpty else { return [] }
        var rng = SeededGenerator(seed: seed)
        var made: [Example] = []
        func pick() -> RGBImage { backgrounds[Int(rng.next() % UInt64(backgrounds.count))] }
        for reference in references {
            for _ in 0..<perReference {
                made.append(Example(image: paste(reference.cutout, into: pick(), rng: &rng), label: reference.label))
                let patch = otherPatch(from: pick(), like: reference.cutout, rng: &rng)
                made.append(Example(image: paste(patch, into: pick(), rng: &rng), label: absence))
            }
        }
        return made
    }

    /// `cutout` resized, tilted, tinted and blurred at random, blended into `background` anywhere.
    static func paste(_ cutout: ObjectPastes.Cutout, into background: RGBImage, rng: inout SeededGenerator) -> RGBImage {
        var piece = rotated(cutout, degrees: uniform(angles, &rng))
        if rng.unit() < 0.3 { piece = tinted(piece, rng: &rng) }
        let share = uniform(widthShares, &rng)
        let w = max(6, min(background.width, Int(Double(background.width) * share)))
        let h = max(6, min(background.height, Int(Double(w) * Double(piece.image.height) / Double(max(piece.image.width, 1)))))
        if rng.unit() < 0.3, w >= 12, h >= 12 {
            // Blurred: drawn at half size and scaled back up.
            let half = Resize.area(piece.image, width: w / 2, height: h / 2)
            piece = ObjectPastes.Cutout(image: Resize.area(half, width: w, height: h),
                                        mask: ObjectPastes.resizedMask(piece, width: w, height: h))
        }
        let x = Int(rng.next() % UInt64(background.width - w + 1)), y = Int(rng.next() % UInt64(background.height - h + 1))
        return ObjectPastes.pasted(piece, into: background, x: x, y: y, width: w, height: h,
                                   opacity: Float(uniform(opacities, &rng)), flip: false)
    }

    /// A patch of `picture` the size of `reference`, with an opaque outline
    /// unlike the reference's: a rectangle or an ellipse.
    static func otherPatch(from picture: RGBImage, like reference: ObjectPastes.Cutout, rng: inout SeededGenerator) -> ObjectPastes.Cutout {
        let aspect = Double(reference.image.height) / Double(max(reference.image.width, 1))
        let w = max(8, Int(Double(picture.width) * (0.1 + 0.3 * rng.unit())))
        let h = max(8, min(picture.height, Int(Double(w) * aspect)))
        let x0 = Int(rng.next() % UInt64(max(picture.width - w, 0) + 1)), y0 = Int(rng.next() % UInt64(max(picture.height - h, 0) + 1))
        var pixels = [UInt8](repeating: 0, count: w * h * 3), mask = [Float](repeating: 1, count: w * h)
        let ellipse = rng.unit() < 0.5
        for y in 0..<h {
            for x in 0..<w {
                let o = ((min(y0 + y, picture.height - 1)) * picture.width + min(x0 + x, picture.width - 1)) * 3
                pixels[(y * w + x) * 3 ..< (y * w + x) * 3 + 3] = picture.pixels[o..<(o + 3)]
                if ellipse {
                    let dx = (Double(x) + 0.5) / Double(w) * 2 - 1, dy = (Double(y) + 0.5) / Double(h) * 2 - 1
                    mask[y * w + x] = dx * dx + dy * dy <= 1 ? 1 : 0
                }
            }
        }
        return ObjectPastes.Cutout(image: RGBImage(width: w, height: h, pixels: pixels), mask: mask)
    }

    /// The cut-out turned by `degrees` about its centre (nearest pixel), on a canvas that holds it all.
    static func rotated(_ cutout: ObjectPastes.Cutout, degrees: Double) -> ObjectPastes.Cutout {
        let a = degrees * .pi / 180, c = cos(a), s = sin(a)
        let w = cutout.image.width, h = cutout.image.height
        let W = Int((abs(Double(w) * c) + abs(Double(h) * s)).rounded(.up)), H = Int((abs(Double(w) * s) + abs(Double(h) * c)).rounded(.up))
        var pixels = [UInt8](repeating: 0, count: W * H * 3), mask = [Float](repeating: 0, count: W * H)
        for y in 0..<H {
            for x in 0..<W {
                let dx = Double(x) - Double(W) / 2 + 0.5, dy = Double(y) - Double(H) / 2 + 0.5
                let sx = Int((c * dx + s * dy + Double(w) / 2).rounded(.down)), sy = Int((-s * dx + c * dy + Double(h) / 2).rounded(.down))
                guard (0..<w).contains(sx), (0..<h).contains(sy) else { continue }
                let from = sy * w + sx, to = y * W + x
                pixels[to * 3 ..< to * 3 + 3] = cutout.image.pixels[from * 3 ..< from * 3 + 3]
                mask[to] = cutout.mask[from]
            }
        }
        return ObjectPastes.Cutout(image: RGBImage(width: W, height: H, pixels: pixels), mask: mask)
    }

    /// The cut-out in one random colour, shaded by its own brightness (a recoloured logo).
    static func tinted(_ cutout: ObjectPastes.Cutout, rng: inout SeededGenerator) -> ObjectPastes.Cutout {
        let colour = (0..<3).map { _ in Double(rng.next() % 256) }
        var out = cutout
        for i in 0..<(cutout.image.width * cutout.image.height) {
            let p = cutout.image.pixels[i * 3 ..< i * 3 + 3].map(Double.init)
            let brightness = (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255
            for ch in 0..<3 { out.image.pixels[i * 3 + ch] = UInt8(min(255, colour[ch] * (0.5 + 0.5 * brightness))) }
        }
        return out
    }

    static func uniform(_ range: ClosedRange<Double>, _ rng: inout SeededGenerator) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * rng.unit()
    }
}
