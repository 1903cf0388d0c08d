import CTurboJPEG

/// JPEG through TurboJPEG: header read, scaled decode (the DCT scales by 1/8..2
/// for free), and encoding for tests, demos and the review server.
public enum JPEGCodec {
    /// Width and height from the header, without decoding.
    public static func header(_ bytes: UnsafeRawBufferPointer) throws -> (width: Int, height: Int) {
        guard let handle = tjInitDecompress() else { throw ImageDecodeError("TurboJPEG could not start") }
        defer { tjDestroy(handle) }
        return try readHeader(handle, bytes).size
    }

    /// Decodes at the smallest TurboJPEG scale whose result is at least
    /// `minSide` on its shorter side (or full size when `minSide` is nil).
    /// A truncated or corrupt stream is an error, not a grey image.
    public static func decode(_ bytes: UnsafeRawBufferPointer, minSide: Int? = nil) throws -> RGBImage {
        try decodeWithSize(bytes, minSide: minSide).image
    }

    /// Like `decode`, also returning the full size from the header.
    public static func decodeWithSize(_ bytes: UnsafeRawBufferPointer, minSide: Int?) throws -> (image: RGBImage, width: Int, height: Int) {
        guard let handle = tjInitDecompress() else { throw ImageDecodeError("TurboJPEG could not start") }
        defer { tjDestroy(handle) }
        let (size, colorspace) = try readHeader(handle, bytes)
        let (width, height) = scaledSize(width: size.width, height: size.height, minSide: minSide)
        let isCMYK = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let channels = isCMYK ? 4 : 3
        var raw = [UInt8](repeating: 0, count: width * height * channels)
        // Every libjpeg warning is fatal (corrupt entropy-coded data decodes to
        // grey blocks otherwise). A file whose only fault is a missing EOI
        // marker is read with the marker added: all its pixels are there.
        let endsWithEOI = bytes.count >= 2 && bytes[bytes.count - 2] == 0xFF && bytes[bytes.count - 1] == 0xD9
        let source = endsWithEOI ? [] : Array(bytes) + [0xFF, 0xD9]
        let status = raw.withUnsafeMutableBufferPointer { out -> Int32 in
            let output = out.baseAddress
            func decode(_ input: UnsafeRawBufferPointer) -> Int32 {
                tjDecompress2(handle, input.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(input.count),
                              output, Int32(width), 0, Int32(height),
                              Int32(isCMYK ? TJPF_CMYK.rawValue : TJPF_RGB.rawValue), TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE | TJFLAG_STOPONWARNING)
            }
            return endsWithEOI ? decode(bytes) : source.withUnsafeBytes { decode($0) }
        }
        if status != 0 {
            let message = String(cString: tjGetErrorStr2(handle))
            let truncated = message.contains("Premature end") || (!endsWithEOI && message.contains("premature end"))
            throw ImageDecodeError(truncated ? "truncated JPEG (\(message))" : "corrupt JPEG (\(message))")
        }
        if !isCMYK { return (RGBImage(width: width, height: height, pixels: raw), size.width, size.height) }
        // Adobe CMYK JPEGs store inverted ink values; TurboJPEG hands them back as stored.
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            let k = Int(raw[p * 4 + 3])
            for c in 0..<3 { rgb[p * 3 + c] = UInt8(Int(raw[p * 4 + c]) * k / 255) }
        }
        return (RGBImage(width: width, height: height, pixels: rgb), size.width, size.height)
    }

    /// The scaled output size TurboJPEG produces for `minSide`.
    public static func scaledSize(width: Int, height: Int, minSide: Int?) -> (Int, Int) {
        guard let minSide else { return (width, height) }
        var count: Int32 = 0
        guard let factors = tjGetScalingFactors(&count) else { return (width, height) }
        var best = (width, height)
        var bestScale = Double.infinity
        for i in 0..<Int(count) {
            let f = factors[i]
            let scale = Double(f.num) / Double(f.denom)
            guard scale <= 1, scale < bestScale else { continue }
            let w = (width * Int(f.num) + Int(f.denom) - 1) / Int(f.denom)
            let h = (height * Int(f.num) + Int(f.denom) - 1) / Int(f.denom)
            if min(w, h) >= minSide { best = (w, h); bestScale = scale }
        }
        return best
    }

    public static func encode(_ image: RGBImage, quality: Int = 90) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw ImageDecodeError("TurboJPEG could not start") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height),
                        Int32(TJPF_RGB.rawValue), &buffer, &size, Int32(TJSAMP_420.rawValue), Int32(quality), 0)
        }
        defer { if let buffer { tjFree(buffer) } }
        guard status == 0, let buffer else {
            throw ImageDecodeError("JPEG encoding failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    private static func readHeader(_ handle: tjhandle, _ bytes: UnsafeRawBufferPointer) throws -> (size: (width: Int, height: Int), colorspace: Int32) {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
                                         &width, &height, &subsampling, &colorspace)
        guard status == 0, width > 0, height > 0 else {
            throw ImageDecodeError("corrupt JPEG header (\(String(cString: tjGetErrorStr2(handle))))")
        }
        return ((Int(width), Int(height)), colorspace)
    }
}
