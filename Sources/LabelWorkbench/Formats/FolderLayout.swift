import Foundation

/// Safe file names for folder exports: whatever a source is called (`../x`,
/// absolute paths, control bytes, empty), the name stays one plain path
/// component inside its label folder.
public enum FolderLayout {
    public static func safeName(_ source: String) -> String {
        var name = (source as NSString).lastPathComponent
        name = String(name.unicodeScalars.map { scalar -> Character in
            let allowed = CharacterSet.alphanumerics.contains(scalar) || "._-+=@,".unicodeScalars.contains(scalar)
            return allowed && scalar.value < 0x10000 ? Character(scalar) : "_"
        })
        while name.hasPrefix(".") { name.removeFirst() }
        if name.isEmpty { name = "image" }
        return String(name.prefix(180))
    }

    /// A name made distinct with the image id, for a clash in the same folder.
    public static func distinctName(_ name: String, imageId: Int64) -> String {
        let ext = (name as NSString).pathExtension, stem = (name as NSString).deletingPathExtension
        return ext.isEmpty ? "\(stem)-\(imageId)" : "\(stem)-\(imageId).\(ext)"
    }

    /// Parses "80/10/10" into shares of train, val, test.
    public static func parseSplit(_ text: String) throws -> [Double] {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).compactMap { Double($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw LWError.invalidArgument("--split '\(Text.abbreviated(text, limit: 60))' is not understood: give three percentages like 80/10/10 (train/val/test)")
        }
        guard abs(parts.reduce(0, +) - 100) < 1e-9 else {
            throw LWError.invalidArgument("--split '\(text)' adds up to \(parts.reduce(0, +).formatted()), not 100: give three percentages like 80/10/10 (train/val/test)")
        }
        let total = parts.reduce(0, +)
        return parts.map { $0 / total }
    }
}
