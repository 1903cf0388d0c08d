import Foundation

/// ISO-8601 UTC timestamps with microseconds, the form stored in every `*_at`
/// column and written in Ground Truth manifests ('2026-11-27T10:00:00.123456Z').
public enum Timestamp {
    public static func iso(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        var micros = Int(((seconds - Double(whole)) * 1_000_000).rounded())
        if micros >= 1_000_000 { whole += 1; micros -= 1_000_000 }
        var parts = tm()
        gmtime_r(&whole, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }
}

/// The source of "now", injected so that operations are testable.
public struct RunClock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = RunClock { Date() }
    public var iso: String { Timestamp.iso(now()) }
}
