@testable import LabelWorkbench

/// Small hand-made images for the object-copy tests.
enum TestPictures {
    /// A plain `fill` background with a red (220, 30, 30) square inside `box` (x0, y0, x1, y1), if any.
    static func square(width: Int = 64, height: Int = 64, fill: (UInt8, UInt8, UInt8) = (40, 120, 60),
                       box: (Int, Int, Int, Int)?) -> RGBImage {
        var image = RGBImage(width: width, height: height, fill: fill)
        if let box {
            for y in box.1..<box.3 { for x in box.0..<box.2 {
                let o = (y * width + x) * 3
                image.pixels[o] = 220; image.pixels[o + 1] = 30; image.pixels[o + 2] = 30
            } }
        }
        return image
    }

    /// The RGB of one pixel.
    static func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
        let o = (y * image.width + x) * 3
        return Array(image.pixels[o..<(o + 3)])
    }
}
