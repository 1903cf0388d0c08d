import Dispatch
import Foundation

/// Transforms `items` on `threads` worker threads while the calling thread
/// consumes the results in input order, `batchSize` at a time. Workers keep
/// going while a batch is being consumed (written to the database), so both
/// cores stay busy. If `consume` throws, the workers stop and the error is rethrown.
public func pipelined<T: Sendable, R: Sendable>(
    _ items: [T], threads: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int,
    transform: @escaping @Sendable (T) -> R,
    consume: (ArraySlice<T>, [R]) throws -> Void
) throws {
    if items.isEmpty { return }
    let slots = OrderedSlots<R>(count: items.count)
    let group = DispatchGroup()
    for _ in 0..<max(1, min(threads, items.count)) {
        DispatchQueue.global().async(group: group) {
            while let index = slots.claim() {
                slots.put(index, transform(items[index]))
            }
        }
    }
    defer {
        slots.cancel()
        group.wait()
    }
    var start = 0
    while start < items.count {
        let end = min(start + batchSize, items.count)
        let results = slots.take(start..<end)
        try consume(items[start..<end], results)
        start = end
    }
}

/// Result slots filled by workers in any order and taken in order.
private final class OrderedSlots<R>: @unchecked Sendable {
    private var slots: [R?]
    private var nextToClaim = 0
    private var cancelled = false
    private let condition = NSCondition()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        condition.lock(); defer { condition.unlock() }
        guard !cancelled, nextToClaim < slots.count else { return nil }
        nextToClaim += 1
        return nextToClaim - 1
    }

    func put(_ index: Int, _ value: R) {
        condition.lock()
        slots[index] = value
        condition.broadcast()
        condition.unlock()
    }

    func take(_ range: Range<Int>) -> [R] {
        condition.lock(); defer { condition.unlock() }
        var out: [R] = []
        out.reserveCapacity(range.count)
        for index in range {
            while slots[index] == nil { condition.wait() }
            out.append(slots[index]!)
            slots[index] = nil  // free memory as we go
        }
        return out
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.unlock()
    }
}
