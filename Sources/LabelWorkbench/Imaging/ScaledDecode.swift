/// An image file decoded once at the sizes a model needs: each version
/// scaled so that its longer side is one of `sides`.
public enum ScaledDecode {
    /// Decodes the bytes once (TurboJPEG scaled to just above the largest
    /// size needed, PNG in full) and area-resizes a copy for each side.
    public static func images(_ bytes: UnsafeRawBufferPointer, longSides sides: [Int]) throws -> [RGBImage] {
        guard let largest = sides.max() else { return [] }
        var decoded: RGBImage
        if ImageFormat.sniff(bytes) == .jpeg {
            let (w, h) = try JPEGCodec.header(bytes)
            let minSide = Int((Double(largest) * Double(min(w, h)) / Double(max(w, h))).rounded(.up))
            decoded = try JPEGCodec.decode(bytes, minSide: max(1, minSide))
        } else {
            decoded = try ImageProbe.decode(bytes)
        }
        return sides.map { side in
            let scale = Double(side) / Double(max(decoded.width, decoded.height))
            let w = max(1, Int((Double(decoded.width) * scale).rounded())), h = max(1, Int((Double(decoded.height) * scale).rounded()))
            return Resize.area(decoded, width: w, height: h)
        }
    }
}
