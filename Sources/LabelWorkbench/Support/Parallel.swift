import Dispatch
import Foundation

/// Maps `items` on every core, keeping the input order. The transform must be
/// thread-safe; results are written to distinct slots, so no locking is needed.
public func parallelMap<T: Sendable, R: Sendable>(
    _ items: [T], threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    _ transform: @Sendable (T) -> R
) -> [R] {
    if items.isEmpty { return [] }
    let slots = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
    slots.initialize(repeating: nil)
    defer { slots.deinitialize(); slots.deallocate() }
    let box = SlotBox(slots)
    let workers = max(1, min(threads, items.count))
    let next = Counter()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        // Work stealing by index: images vary a lot in decode cost.
        while true {
            let index = next.increment()
            if index >= items.count { break }
            box.slots[index] = transform(items[index])
        }
    }
    return slots.map { $0! }
}

private final class SlotBox<R>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<R?>
    init(_ slots: UnsafeMutableBufferPointer<R?>) { self.slots = slots }
}

/// A lock-protected counter that hands out 0, 1, 2, ...
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.lock(); defer { lock.unlock() }
        let current = value
        value += 1
        return current
    }
}
