import Crypto

/// SHA-256 of a file's bytes, lower-case hex: the natural key of `image`.
public enum ContentHash {
    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digest = SHA256.hash(data: bytes)
        var hex = ""
        hex.reserveCapacity(64)
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 64)
        var i = 0
        for byte in digest {
            out[i] = digits[Int(byte >> 4)]; out[i + 1] = digits[Int(byte & 0x0F)]
            i += 2
        }
        hex = String(decoding: out, as: UTF8.self)
        return hex
    }
}
