/// Area-averaging downscale (box filter): each output pixel is the mean of
/// the source pixels it covers. Good for thumbnails and terminal previews.
public enum Resize {
    public static func fit(_ image: RGBImage, maxWidth: Int, maxHeight: Int) -> RGBImage {
        let scale = min(Double(maxWidth) / Double(image.width), Double(maxHeight) / Double(image.height), 1)
        let w = max(1, Int(Double(image.width) * scale)), h = max(1, Int(Double(image.height) * scale))
        return area(image, width: w, height: h)
    }

    public static func area(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if width == image.width && height == image.height { return image }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<height {
                let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, min(image.height, Int(Double(y + 1) * sy)))
                for x in 0..<width {
                    let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, min(image.width, Int(Double(x + 1) * sx)))
                    var r = 0, g = 0, b = 0
                    for yy in y0..<y1 {
                        var i = (yy * image.width + x0) * 3
                        for _ in x0..<x1 {
                            r += Int(src[i]); g += Int(src[i + 1]); b += Int(src[i + 2])
                            i += 3
                        }
                    }
                    let n = (y1 - y0) * (x1 - x0)
                    let o = (y * width + x) * 3
                    out[o] = UInt8(r / n); out[o + 1] = UInt8(g / n); out[o + 2] = UInt8(b / n)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
