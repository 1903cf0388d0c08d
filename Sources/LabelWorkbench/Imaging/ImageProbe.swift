import Foundation

/// What import learns about a file: its format and size, proven by decoding it.
public struct ImageProbe: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    /// `PerceptualHash` of the picture, for finding near-duplicates.
    public let perceptualHash: UInt64
    /// `PerceptualHash.colourSignature` of the picture.
    public let colourSignature: UInt64

    /// Validates `bytes` as an image with the cheapest real decode: TurboJPEG at
    /// 1/8 scale for JPEG (every entropy-coded byte is still read, so truncation
    /// and corruption show; at least 32 px, for the perceptual hash), a full
    /// decode for PNG. An image of more than
    /// `maxPixels` is refused on its header, before anything is decoded.
    public static func probe(_ bytes: UnsafeRawBufferPointer, maxPixels: Int = 100_000_000) throws -> ImageProbe {
        if bytes.isEmpty { throw ImageDecodeError("empty file (0 bytes)") }
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageDecodeError("not an image (unrecognised content; lw reads JPEG and PNG)")
        }
        switch format {
        case .jpeg:
            let header = try JPEGCodec.header(bytes)
            try checkSize(width: header.width, height: header.height, maxPixels: maxPixels)
            let decoded = try JPEGCodec.decodeWithSize(bytes, minSide: PerceptualHash.side)
            return ImageProbe(format: .jpeg, width: decoded.width, height: decoded.height, picture: decoded.image)
        case .png:
            let size = try PNGValidator.validate(bytes) { try checkSize(width: $0, height: $1, maxPixels: maxPixels) }
            return ImageProbe(format: .png, width: size.width, height: size.height, picture: try PNGCodec.decode(bytes))
        default:
            throw ImageDecodeError("unsupported format \(format.rawValue.uppercased()) (lw reads JPEG and PNG; convert it, e.g. `convert in.\(format.rawValue) out.png`)")
        }
    }

    init(format: ImageFormat, width: Int, height: Int, picture: RGBImage) {
        self.format = format
        self.width = width
        self.height = height
        perceptualHash = PerceptualHash.of(picture)
        colourSignature = PerceptualHash.colourSignature(picture)
    }

    /// Refuses an image larger than the job allows (a decompression bomb).
    static func checkSize(width: Int, height: Int, maxPixels: Int) throws {
        guard width * height > maxPixels else { return }
        let megapixels = (Double(width) * Double(height) / 1e6).rounded()
        throw ImageDecodeError("too large: \(width)×\(height) pixels (\(Int(megapixels)) megapixels) is over this job's limit of \(maxPixels / 1_000_000); raise it with `lw settings set --max-megapixels N` if the image is real")
    }

    /// Decodes any supported image to RGB, scaled down cheaply where the format allows.
    public static func decode(_ bytes: UnsafeRawBufferPointer, minSide: Int? = nil) throws -> RGBImage {
        guard let format = ImageFormat.sniff(bytes), format.isSupported else {
            throw ImageDecodeError("not a JPEG or PNG image")
        }
        return format == .jpeg ? try JPEGCodec.decode(bytes, minSide: minSide) : try PNGCodec.decode(bytes)
    }
}
