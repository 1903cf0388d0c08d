import Foundation

/// Wall-clock seconds of each named part of a run (`lw train --json`'s
/// "seconds"), so a slow round says where its time went.
public struct PartTimes: Sendable {
    public private(set) var seconds: [String: Double] = [:]
    private let started = Date()

    public init() {}

    /// Runs `body`, adding its duration to `part`.
    public mutating func measure<T>(_ part: String, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        defer { seconds[part, default: 0] += Date().timeIntervalSince(start) }
        return try body()
    }

    /// Adds the time from `start` until now to `part`.
    public mutating func add(_ part: String, since start: Date) {
        seconds[part, default: 0] += Date().timeIntervalSince(start)
    }

    /// Every part rounded to 0.1 s, and the whole run as "total".
    public var rounded: [String: Double] {
        var out = seconds.mapValues { ($0 * 10).rounded() / 10 }
        out["total"] = (Date().timeIntervalSince(started) * 10).rounded() / 10
        return out
    }
}
