extension ConvNetTraining {
    /// Random changes to one training image.
    struct Augmentation {
        var width: Int, height: Int, x: Int, y: Int
        var flip: Bool, grey: Bool
        var gain: SIMD3<Float>, offset: SIMD3<Float>

        /// No change: the image as given, at the top-left.
        static func none(_ image: RGBImage) -> Augmentation {
            Augmentation(width: image.width, height: image.height, x: 0, y: 0, flip: false, grey: false,
                         gain: SIMD3(repeating: 1), offset: SIMD3(repeating: 0))
        }

        static func draw(_ image: RGBImage, side: Int, minimumScale: Double, rng: inout SeededGenerator) -> Augmentation {
            let scale = minimumScale + (1 - minimumScale) * rng.unit()
            let w = min(side, max(8, Int((Double(image.width) * scale).rounded())))
            let h = min(side, max(8, Int((Double(image.height) * scale).rounded())))
            let x = Int(rng.next() % UInt64(side - w + 1)), y = Int(rng.next() % UInt64(side - h + 1))
            let flip = rng.unit() < 0.5
            var gain = SIMD3<Float>(Float(0.7 + 0.6 * rng.unit()), Float(0.7 + 0.6 * rng.unit()), Float(0.7 + 0.6 * rng.unit()))
            let offset = SIMD3<Float>(Float(0.2 * rng.unit() - 0.1), Float(0.2 * rng.unit() - 0.1), Float(0.2 * rng.unit() - 0.1))
            gain *= Float(0.8 + 0.4 * rng.unit())
            let grey = rng.unit() < 0.2
            return Augmentation(width: w, height: h, x: x, y: y, flip: flip, grey: grey, gain: gain, offset: offset)
        }

        /// Writes the augmented image into a zeroed padded input.
        func render(_ image: RGBImage, side: Int, into input: UnsafeMutablePointer<Float>) {
            let small = Resize.area(image, width: width, height: height)
            let pw = side + 2
            small.pixels.withUnsafeBufferPointer { px in
                for yy in 0..<height {
                    let row = input + ((y + yy + 1) * pw + x + 1) * 3
                    for xx in 0..<width {
                        let s = (yy * width + (flip ? width - 1 - xx : xx)) * 3
                        var v = SIMD3<Float>(Float(px[s]), Float(px[s + 1]), Float(px[s + 2])) / 255 - 0.5
                        v = v * gain + offset
                        if grey { v = SIMD3(repeating: (v.x + v.y + v.z) / 3) }
                        row[xx * 3] = v.x; row[xx * 3 + 1] = v.y; row[xx * 3 + 2] = v.z
                    }
                }
            }
        }
    }
}
