import CPNG

/// PNG through libpng's simplified API. PNG has no scaled decode: validating
/// a PNG means inflating all of it.
public enum PNGCodec {
    /// `background` (grey level) is what transparent pixels are composed on;
    /// nil: black, as libpng does without one.
    public static func decode(_ bytes: UnsafeRawBufferPointer, background: UInt8? = nil) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw ImageDecodeError("corrupt PNG (\(message(of: &image)))")
        }
        image.format = UInt32(PNG_FORMAT_RGB)
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            png_image_free(&image)
            throw ImageDecodeError("PNG of \(width)x\(height) pixels is too large to decode")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var colour = background.map { png_color(red: $0, green: $0, blue: $0) }
        let ok = pixels.withUnsafeMutableBytes { out in
            if colour == nil { return png_image_finish_read(&image, nil, out.baseAddress, 0, nil) }
            return png_image_finish_read(&image, &colour!, out.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let reason = message(of: &image)
            png_image_free(&image)
            throw ImageDecodeError(describeFailure(reason))
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The pixels and their opacity (0…1): a logo file's transparent parts are not logo.
    public static func decodeWithAlpha(_ bytes: UnsafeRawBufferPointer) throws -> (image: RGBImage, alpha: [Float]) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw ImageDecodeError("corrupt PNG (\(message(of: &image)))")
        }
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= 1 << 26 else {
            png_image_free(&image)
            throw ImageDecodeError("PNG of \(width)x\(height) pixels is too large to decode")
        }
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let ok = rgba.withUnsafeMutableBytes { out in png_image_finish_read(&image, nil, out.baseAddress, 0, nil) }
        guard ok != 0 else {
            let reason = message(of: &image)
            png_image_free(&image)
            throw ImageDecodeError(describeFailure(reason))
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3), alpha = [Float](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            pixels[i * 3] = rgba[i * 4]; pixels[i * 3 + 1] = rgba[i * 4 + 1]; pixels[i * 3 + 2] = rgba[i * 4 + 2]
            alpha[i] = Float(rgba[i * 4 + 3]) / 255
        }
        return (RGBImage(width: width, height: height, pixels: pixels), alpha)
    }

    static func describeFailure(_ reason: String) -> String {
        reason.contains("EOF") || reason.contains("Read Error") || reason.contains("truncated")
            ? "truncated PNG (\(reason))" : "corrupt PNG (\(reason))"
    }

    public static func encode(_ rgb: RGBImage) throws -> [UInt8] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(rgb.width)
        image.height = UInt32(rgb.height)
        image.format = UInt32(PNG_FORMAT_RGB)
        var size: Int = 0
        let probed = rgb.pixels.withUnsafeBytes { src in
            png_image_write_to_memory(&image, nil, &size, 0, src.baseAddress, 0, nil)
        }
        guard probed != 0, size > 0 else { throw ImageDecodeError("PNG encoding failed (\(message(of: &image)))") }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { dst in
            rgb.pixels.withUnsafeBytes { src in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
            }
        }
        guard written != 0 else { throw ImageDecodeError("PNG encoding failed (\(message(of: &image)))") }
        return Array(out.prefix(size))
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
