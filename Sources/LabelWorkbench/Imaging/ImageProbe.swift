import Foundation

/// What import learns about a file: its format and size, proven by decoding it.
public struct ImageProbe: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int

    /// Validates `bytes` as an image with the cheapest real decode: TurboJPEG at
    /// 1/8 scale for JPEG (every entropy-coded byte is still read, so truncation
    /// and corruption show), a full decode for PNG.
    public static func probe(_ bytes: UnsafeRawBufferPointer) throws -> ImageProbe {
        if bytes.isEmpty { throw ImageDecodeError("empty file (0 bytes)") }
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageDecodeError("not an image (unrecognised content; lw reads JPEG and PNG)")
        }
        switch format {
        case .jpeg:
            let decoded = try JPEGCodec.decodeWithSize(bytes, minSide: 1)
            return ImageProbe(format: .jpeg, width: decoded.width, height: decoded.height)
        case .png:
            let size = try PNGValidator.validate(bytes)
            return ImageProbe(format: .png, width: size.width, height: size.height)
        default:
            throw ImageDecodeError("unsupported format \(format.rawValue.uppercased()) (lw reads JPEG and PNG; convert it, e.g. `convert in.\(format.rawValue) out.png`)")
        }
    }

    /// Decodes any supported image to RGB, scaled down cheaply where the format allows.
    public static func decode(_ bytes: UnsafeRawBufferPointer, minSide: Int? = nil) throws -> RGBImage {
        guard let format = ImageFormat.sniff(bytes), format.isSupported else {
            throw ImageDecodeError("not a JPEG or PNG image")
        }
        return format == .jpeg ? try JPEGCodec.decode(bytes, minSide: minSide) : try PNGCodec.decode(bytes)
    }
}
