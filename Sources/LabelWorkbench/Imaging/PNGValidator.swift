import CZlib

/// Proves a PNG sound without reconstructing its pixels: the signature, every
/// chunk's CRC, a valid IHDR, the whole IDAT stream inflated (zlib checks its
/// Adler-32) to exactly the size the header implies, valid filter bytes, and an
/// IEND. That is every check libpng makes on the way to pixels, minus the
/// unfiltering arithmetic, which cannot fail — about a third of libpng's time.
/// Import uses it; pixels come from `PNGCodec.decode`.
public enum PNGValidator {
    /// `checkHeader` sees the header's width and height before anything is inflated.
    public static func validate(_ bytes: UnsafeRawBufferPointer,
                                checkHeader: (Int, Int) throws -> Void = { _, _ in }) throws -> (width: Int, height: Int) {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8, zip(bytes.prefix(8), signature).allSatisfy({ $0 == $1 }) else {
            throw ImageDecodeError("corrupt PNG (bad signature)")
        }
        var offset = 8
        var header: Header?
        var inflater: IDATInflater?
        var sawPalette = false
        var idatEnded = false
        while true {
            guard offset + 12 <= bytes.count else { throw ImageDecodeError("truncated PNG (ends before IEND)") }
            let length = Int(readUInt32(bytes, offset))
            let typeStart = offset + 4
            guard length <= 0x7FFF_FFFF, typeStart + 4 + length + 4 <= bytes.count else {
                throw ImageDecodeError("truncated PNG (a chunk runs past the end of the file)")
            }
            let type = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[typeStart..<typeStart + 4]), as: UTF8.self)
            let crcStored = readUInt32(bytes, typeStart + 4 + length)
            let crcActual = crc32(0, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + typeStart, UInt32(4 + length))
            guard crcStored == UInt32(crcActual) else { throw ImageDecodeError("corrupt PNG (CRC error in \(type) chunk)") }
            let data = UnsafeRawBufferPointer(rebasing: bytes[typeStart + 4..<typeStart + 4 + length])
            if header == nil && type != "IHDR" { throw ImageDecodeError("corrupt PNG (IHDR is not the first chunk)") }
            switch type {
            case "IHDR":
                guard header == nil, length == 13 else { throw ImageDecodeError("corrupt PNG (bad IHDR)") }
                header = try Header(data)
                try checkHeader(header!.width, header!.height)
                inflater = try IDATInflater(header!)
            case "PLTE":
                sawPalette = true
            case "IDAT":
                guard !idatEnded else { throw ImageDecodeError("corrupt PNG (IDAT chunks are not consecutive)") }
                if header!.colorType == 3 && !sawPalette { throw ImageDecodeError("corrupt PNG (palette image without PLTE)") }
                try inflater!.feed(data)
            case "IEND":
                try inflater!.finish()
                return (header!.width, header!.height)
            default:
                if inflater!.started { idatEnded = true }
                // Unknown critical chunks (upper-case first letter) cannot be skipped.
                if let first = type.utf8.first, first >= 65 && first <= 90 {
                    throw ImageDecodeError("corrupt PNG (unknown critical chunk \(type))")
                }
            }
            offset = typeStart + 4 + length + 4
        }
    }

    private static func readUInt32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    struct Header {
        let width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool

        init(_ d: UnsafeRawBufferPointer) throws {
            width = Int(PNGValidator.readUInt32(d, 0))
            height = Int(PNGValidator.readUInt32(d, 4))
            bitDepth = Int(d[8]); colorType = Int(d[9])
            let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
            guard width > 0, height > 0, width < 1 << 24, height < 1 << 24,
                  allowed[colorType]?.contains(bitDepth) == true, d[10] == 0, d[11] == 0, d[12] <= 1 else {
                throw ImageDecodeError("corrupt PNG (invalid IHDR values)")
            }
            interlaced = d[12] == 1
        }

        var bitsPerPixel: Int { bitDepth * [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        func rowBytes(_ pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }

        /// (rows, bytes per row) of each pass: one pass, or Adam7's seven.
        var passes: [(rows: Int, rowBytes: Int)] {
            guard interlaced else { return [(height, rowBytes(width))] }
            let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            return adam7.compactMap { x0, y0, dx, dy in
                let cols = (width - x0 + dx - 1) / dx, rows = (height - y0 + dy - 1) / dy
                return cols > 0 && rows > 0 ? (rows, rowBytes(cols)) : nil
            }
        }
    }

    /// Streams IDAT data through zlib into a small scratch buffer, checking
    /// each scanline's filter byte and the total size.
    final class IDATInflater {
        private var stream = z_stream()
        private var scratch = [UInt8](repeating: 0, count: 1 << 16)
        private var rows: [(rows: Int, rowBytes: Int)]
        private var pass = 0, rowInPass = 0, positionInRow = 0
        private var ended = false
        private(set) var started = false

        init(_ header: Header) throws {
            rows = header.passes
            guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ImageDecodeError("zlib could not start")
            }
        }

        deinit { inflateEnd(&stream) }

        func feed(_ data: UnsafeRawBufferPointer) throws {
            started = true
            guard data.count > 0 else { return }
            if ended { throw ImageDecodeError("corrupt PNG (data after the end of the image stream)") }
            stream.next_in = UnsafeMutablePointer(mutating: data.baseAddress!.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(data.count)
            while stream.avail_in > 0 && !ended {
                let status = scratch.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = scratch.count - Int(stream.avail_out)
                try consume(produced)
                if status == Z_STREAM_END { ended = true; break }
                guard status == Z_OK || (status == Z_BUF_ERROR && produced > 0) else {
                    throw ImageDecodeError("corrupt PNG (bad image data: \(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"))")
                }
            }
        }

        func finish() throws {
            guard started else { throw ImageDecodeError("corrupt PNG (no image data)") }
            guard ended, pass == rows.count else { throw ImageDecodeError("truncated PNG (image data ends early)") }
        }

        /// Walks the scanlines in the bytes just inflated.
        private func consume(_ count: Int) throws {
            var i = 0
            while i < count {
                guard pass < rows.count else { throw ImageDecodeError("corrupt PNG (more image data than the header allows)") }
                let (passRows, rowBytes) = rows[pass]
                if positionInRow == 0 {
                    guard scratch[i] <= 4 else { throw ImageDecodeError("corrupt PNG (bad filter type \(scratch[i]))") }
                }
                let take = min(count - i, rowBytes + 1 - positionInRow)
                positionInRow += take
                i += take
                if positionInRow == rowBytes + 1 {
                    positionInRow = 0
                    rowInPass += 1
                    if rowInPass == passRows { rowInPass = 0; pass += 1 }
                }
            }
        }
    }
}
