import Foundation

/// Shows an image inside a terminal: the kitty graphics protocol, iTerm2's
/// inline images, or — everywhere else — truecolor half blocks ("▀" with the
/// upper pixel as foreground and the lower as background).
public enum TerminalImage {
    public enum Display: String, Sendable, CaseIterable {
        case kitty, iterm, halfblock, none
    }

    /// What the terminal in `environment` understands.
    public static func detect(_ environment: [String: String]) -> Display {
        if environment["KITTY_WINDOW_ID"] != nil || environment["TERM"]?.contains("kitty") == true { return .kitty }
        if environment["TERM_PROGRAM"] == "iTerm.app" || environment["LC_TERMINAL"] == "iTerm2" { return .iterm }
        return .halfblock
    }

    /// Escape sequences drawing `image` in at most `columns` × `rows` cells.
    public static func render(_ image: RGBImage, columns: Int, rows: Int, using proto: Display) throws -> String {
        switch proto {
        case .none:
            return ""
        case .halfblock:
            return halfBlocks(Resize.fit(image, maxWidth: columns, maxHeight: rows * 2))
        case .kitty:
            // Cell size is unknown; ~10×20 px cells keep the transfer small.
            let png = try PNGCodec.encode(Resize.fit(image, maxWidth: columns * 10, maxHeight: rows * 20)).base64()
            var out = ""
            var index = png.startIndex
            var first = true
            while index < png.endIndex {
                let end = png.index(index, offsetBy: 4096, limitedBy: png.endIndex) ?? png.endIndex
                let more = end < png.endIndex ? 1 : 0
                out += first ? "\u{1B}_Gf=100,a=T,c=\(columns),m=\(more);" : "\u{1B}_Gm=\(more);"
                out += png[index..<end] + "\u{1B}\\"
                first = false
                index = end
            }
            return out + "\n"
        case .iterm:
            let jpeg = try JPEGCodec.encode(Resize.fit(image, maxWidth: columns * 10, maxHeight: rows * 20), quality: 85)
            return "\u{1B}]1337;File=inline=1;width=\(columns);preserveAspectRatio=1:\(jpeg.base64())\u{07}\n"
        }
    }

    public static func halfBlocks(_ image: RGBImage) -> String {
        var out = ""
        out.reserveCapacity(image.width * image.height * 20)
        let p = image.pixels
        for y in stride(from: 0, to: image.height, by: 2) {
            for x in 0..<image.width {
                let t = (y * image.width + x) * 3
                out += "\u{1B}[38;2;\(p[t]);\(p[t + 1]);\(p[t + 2])m"
                if y + 1 < image.height {
                    let b = ((y + 1) * image.width + x) * 3
                    out += "\u{1B}[48;2;\(p[b]);\(p[b + 1]);\(p[b + 2])m▀"
                } else {
                    out += "\u{1B}[49m▀"
                }
            }
            out += "\u{1B}[0m\n"
        }
        return out
    }
}

extension Array where Element == UInt8 {
    func base64() -> String { Data(self).base64EncodedString() }
}
