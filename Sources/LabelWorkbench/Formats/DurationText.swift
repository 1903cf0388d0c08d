import Foundation

/// Durations like 90s, 30m, 6h, 2d.
public enum DurationText {
    public static func seconds(_ text: String) throws -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value > 0 else {
            throw LWError.invalidArgument("duration '\(text)' is not understood: use a number and a unit, e.g. 90s, 30m, 6h or 2d")
        }
        return value * factor
    }
}
