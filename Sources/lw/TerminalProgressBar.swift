import Foundation
import LabelWorkbench

/// `import  [#########.........]  1,234/4,000  310/s  eta 9s` redrawn in place on stderr.
final class TerminalProgressBar: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var title = ""
    private var total = 0
    private var done = 0
    private var started = Date()
    private var lastDraw = Date.distantPast

    func start(_ title: String, total: Int) {
        lock.withLock {
            self.title = title; self.total = total; done = 0; started = Date(); lastDraw = .distantPast
        }
        draw(force: true)
    }

    func advance(by count: Int) {
        lock.withLock { done += count }
        draw(force: false)
    }

    func finish() {
        draw(force: true)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(force: Bool) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1  // a run that does more than announced must not crash the bar
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Int(Double(max(0, total - done)) / rate) : 0
        let line = "\r\(title)  [\(bar)]  \(done.grouped)/\(total.grouped)  \(Int(rate))/s  eta \(eta)s\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
