import Foundation

/// Which examples each step of a fit reads: every example at every step
/// up to `exactUpTo` of them (full-batch, exact), otherwise consecutive
/// windows of `batch` examples of one fixed random order, wrapping round
/// (each example is read once per pass).
///
/// Exact up to 2,048 (the default loops' human labels stay below); beyond,
/// windows of 768 keep a step's cost from growing with the labels (the choice
/// and what was tried: bench/README.md, 2026-12-06).
public struct Minibatches: Sendable {
    /// Up to this many examples a fit reads all of them at every step.
    public static let exactUpTo = 2_048
    /// Beyond that, each step reads a window of this many.
    public static let defaultWindow = 768

    /// The examples in the order the windows walk them.
    let order: [Int]
    let batch: Int

    /// `batch`: the window's size once there are more than `exactUpTo` examples.
    init(count: Int, batch: Int = Minibatches.defaultWindow, exactUpTo: Int = Minibatches.exactUpTo,
         seed: UInt64 = 0x6C77_6261_7463_6821) {
        var order = Array(0..<count)
        let exact = count <= exactUpTo
        if !exact {
            var generator = SeededGenerator(seed: seed)
            order.shuffle(using: &generator)
        }
        self.order = order
        self.batch = exact ? count : min(batch, count)
    }

    var isFullBatch: Bool { batch == order.count }

    /// Where step `step`'s window starts in `order`.
    func start(step: Int) -> Int { order.isEmpty ? 0 : (step * batch) % order.count }

    /// The examples step `step` reads (all of them, in order, for a full batch).
    func window(step: Int) -> [Int] {
        let from = start(step: step)
        return (from..<(from + batch)).map { order[$0 % order.count] }
    }
}
