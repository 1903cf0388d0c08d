/// Generates test and demo images: a textured background (gradients, blobs,
/// noise, distractor shapes) and, for the positive class, a small mark — a
/// red ring with a bar through it, or a blue cross (`MarkShape`) — at a
/// random place, scale and colour. Tests, `make demo` and the end-to-end
/// checks of the model all use it.
public enum SyntheticImages {
    public struct Spec: Sendable {
        public var width: Int
        public var height: Int
        public var withMark: Bool
        public var seed: UInt64
        /// The mark's size as a fraction of the shorter side.
        public var markScale: ClosedRange<Double> = 0.12...0.25
        /// Which mark: a second one makes a third class for multi-label tests.
        public var markShape: MarkShape = .ringWithBar

        public init(width: Int, height: Int, withMark: Bool, seed: UInt64) {
            self.width = width
            self.height = height
            self.withMark = withMark
            self.seed = seed
        }
    }

    public enum MarkShape: Sendable {
        /// A red ring with a horizontal bar through it.
        case ringWithBar
        /// A blue diagonal cross (an X).
        case cross
    }

    public static func render(_ spec: Spec) -> RGBImage {
        var rng = SeededGenerator(seed: spec.seed &* 0x2545_F491_4F6C_DD1D &+ 17)
        let w = spec.width, h = spec.height
        var px = [UInt8](repeating: 0, count: w * h * 3)
        // Background: a two-colour gradient in a random direction.
        let c0 = (rng.unit() * 255, rng.unit() * 255, rng.unit() * 255)
        let c1 = (rng.unit() * 255, rng.unit() * 255, rng.unit() * 255)
        let angle = rng.unit() * 6.283
        let dx = cos(angle), dy = sin(angle)
        let norm = abs(dx) * Double(w) + abs(dy) * Double(h)
        for y in 0..<h {
            for x in 0..<w {
                var t = (Double(x) * dx + Double(y) * dy) / norm
                t = t - t.rounded(.down)
                let i = (y * w + x) * 3
                px[i] = UInt8(c0.0 + (c1.0 - c0.0) * t)
                px[i + 1] = UInt8(c0.1 + (c1.1 - c0.1) * t)
                px[i + 2] = UInt8(c0.2 + (c1.2 - c0.2) * t)
            }
        }
        // Distractors: filled rectangles and discs, present in both classes.
        for _ in 0..<(2 + Int(rng.unit() * 5)) {
            let colour = (UInt8(rng.unit() * 255), UInt8(rng.unit() * 255), UInt8(rng.unit() * 255))
            let cx = rng.unit() * Double(w), cy = rng.unit() * Double(h)
            let r = (0.05 + rng.unit() * 0.15) * Double(min(w, h))
            let isDisc = rng.unit() < 0.5
            fill(&px, w, h, cx - r, cy - r, cx + r, cy + r) { x, y in
                isDisc ? (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r : true
            } colour: { _, _ in colour }
        }
        if spec.withMark {
            let side = Double(min(w, h)) * (spec.markScale.lowerBound + rng.unit() * (spec.markScale.upperBound - spec.markScale.lowerBound))
            let r = side / 2
            let cx = r + rng.unit() * (Double(w) - 2 * r), cy = r + rng.unit() * (Double(h) - 2 * r)
            let red = (UInt8(200 + rng.unit() * 55), UInt8(rng.unit() * 60), UInt8(40 + rng.unit() * 60))
            let thickness = r * 0.28
            switch spec.markShape {
            case .ringWithBar:
                fill(&px, w, h, cx - r, cy - r, cx + r, cy + r) { x, y in
                    let d = ((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot()
                    let ring = d <= r && d >= r - thickness
                    let bar = abs(y - cy) <= thickness / 2 && abs(x - cx) <= r
                    return ring || bar
                } colour: { _, _ in red }
            case .cross:
                let blue = (red.2, red.1, red.0)
                fill(&px, w, h, cx - r, cy - r, cx + r, cy + r) { x, y in
                    // Within half a thickness of either diagonal through the centre.
                    abs(abs(x - cx) - abs(y - cy)) <= thickness * 0.71
                } colour: { _, _ in blue }
            }
        }
        // Sensor-like noise so JPEG and the features see texture.
        for i in 0..<px.count {
            let noise = Int(rng.next() % 17) - 8
            px[i] = UInt8(clamping: Int(px[i]) + noise)
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    private static func fill(_ px: inout [UInt8], _ w: Int, _ h: Int,
                             _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double,
                             inside: (Double, Double) -> Bool,
                             colour: (Int, Int) -> (UInt8, UInt8, UInt8)) {
        let xa = max(0, Int(x0)), xb = min(w - 1, Int(x1)), ya = max(0, Int(y0)), yb = min(h - 1, Int(y1))
        guard xa <= xb, ya <= yb else { return }
        for y in ya...yb {
            for x in xa...xb where inside(Double(x) + 0.5, Double(y) + 0.5) {
                let c = colour(x, y)
                let i = (y * w + x) * 3
                px[i] = c.0; px[i + 1] = c.1; px[i + 2] = c.2
            }
        }
    }
}

import Foundation
