import Foundation

/// Which examples each step of a fit reads: every example at every step
/// while they fit in one batch (full-batch, exact), otherwise consecutive
/// windows of one fixed random order, wrapping round (each example is read
/// once per pass).
///
/// The batch is large (4,096) so that the loops measured so far fit exactly:
/// smaller windows were cheaper but cost the loop machine labels (see
/// bench/README.md, 2026-12-06). Beyond it, a round's fits stop growing.
public struct Minibatches: Sendable {
    /// Examples per step; more than this and the fit samples windows.
    public static let defaultBatch = 4_096

    /// The examples in the order the windows walk them.
    let order: [Int]
    let batch: Int

    init(count: Int, batch: Int = Minibatches.defaultBatch, seed: UInt64 = 0x6C77_6261_7463_6821) {
        var order = Array(0..<count)
        if count > batch {
            var generator = SeededGenerator(seed: seed)
            order.shuffle(using: &generator)
        }
        self.order = order
        self.batch = min(batch, count)
    }

    var isFullBatch: Bool { batch == order.count }

    /// Where step `step`'s window starts in `order`.
    func start(step: Int) -> Int { order.isEmpty ? 0 : (step * batch) % order.count }

    /// How much of the full step size step `step` of `steps` takes: 1 for a
    /// full batch; on windows, a cosine decay to 0, so the window-to-window
    /// noise dies out and the fit ends where a full-batch one would settle.
    func stepScale(step: Int, of steps: Int) -> Double {
        guard !isFullBatch, steps > 1 else { return 1 }
        return 0.5 * (1 + cos(Double.pi * Double(step) / Double(steps)))
    }

    /// The examples step `step` reads (all of them, in order, for a full batch).
    func window(step: Int) -> [Int] {
        let from = start(step: step)
        return (from..<(from + batch)).map { order[$0 % order.count] }
    }
}
