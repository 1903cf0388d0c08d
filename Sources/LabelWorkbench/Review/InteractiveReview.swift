import Foundation

/// The terminal review loop of `lw review --worker W`: shows each open
/// assignment's image with the labels and their keys; 1-9 or a label's first
/// letter answers, s skips, u undoes the last answer or skip, q quits. Every
/// answer is committed at once. Keys come from `readKey` (a raw-mode terminal
/// in the CLI, a pseudo-terminal in tests), output goes to `write`.
public struct InteractiveReview {
    public var session: ReviewSession
    public var imageProtocol: TerminalImage.Display
    public var size: () -> (columns: Int, rows: Int)
    public var readKey: () -> UInt8?
    public var write: (String) -> Void

    public init(session: ReviewSession, imageProtocol: TerminalImage.Display, size: @escaping () -> (columns: Int, rows: Int),
                readKey: @escaping () -> UInt8?, write: @escaping (String) -> Void) {
        self.session = session
        self.imageProtocol = imageProtocol
        self.size = size
        self.readKey = readKey
        self.write = write
    }

    public struct Outcome: Sendable {
        public var answered = 0
        public var skipped = 0
        public var undone = 0
        public var quit = false
    }

    /// Key bindings: digits for every label (up to 9), plus each label's first
    /// letter when no other label shares it and it is not s, u or q.
    public static func keys(for labels: [String]) -> [UInt8: String] {
        var keys: [UInt8: String] = [:]
        for (i, label) in labels.enumerated() where i < 9 { keys[UInt8(ascii: "1") + UInt8(i)] = label }
        let initials = labels.compactMap { $0.lowercased().unicodeScalars.first }
        for label in labels {
            guard let c = label.lowercased().unicodeScalars.first, c.isASCII, !"suq".unicodeScalars.contains(c),
                  initials.filter({ $0 == c }).count == 1 else { continue }
            keys[UInt8(c.value)] = label
        }
        return keys
    }

    public mutating func run() throws -> Outcome {
        let labels = try session.labels()
        let keys = Self.keys(for: labels)
        var queue = try session.queue()
        let total = queue.count
        var done = 0
        var outcome = Outcome()
        let legend = labels.enumerated().map { i, label in
            let letter = keys.first { $0.value == label && $0.key >= UInt8(ascii: "a") }.map { "/" + String(UnicodeScalar($0.key)) } ?? ""
            return i < 9 ? "[\(i + 1)\(letter)] \(label)" : label
        }.joined(separator: "  ") + "   [s] skip  [u] undo  [q] quit"
        if let instructions = try session.guide().instructions, !showInstructions(instructions) {
            return Outcome(quit: true)
        }
        var current = 0
        while current < queue.count {
            let item = queue[current]
            let (columns, rows) = size()
            write("\u{1B}[2J\u{1B}[H")
            if let picture = try? loadImage(item.path) {
                write(try TerminalImage.render(picture, columns: columns, rows: max(4, rows - 5), using: imageProtocol))
            } else {
                write("(cannot read \(item.path))\n")
            }
            write("\(done + 1) of \(total)   \(item.source)\n\(legend)\n")
            let shownAt = session.context.clock.now()
            var handled = false
            while !handled {
                guard let key = readKey() else { outcome.quit = true; return outcome }
                let lower = key >= 65 && key <= 90 ? key + 32 : key
                if let label = keys[lower] {
                    try session.answer(item.assignmentId, label: label, seconds: session.context.clock.now().timeIntervalSince(shownAt))
                    outcome.answered += 1
                    write("→ \(label)\n")
                    done += 1
                    current += 1
                    handled = true
                } else if lower == UInt8(ascii: "s") {
                    try session.skip(item.assignmentId)
                    outcome.skipped += 1
                    done += 1
                    current += 1
                    handled = true
                } else if lower == UInt8(ascii: "u") {
                    let undoing = session.history.last?.action
                    guard current > 0, let reopened = try session.undo() else { write("nothing to undo\n"); continue }
                    outcome.undone += 1
                    if undoing == .skipped { outcome.skipped -= 1 } else { outcome.answered -= 1 }
                    current -= 1
                    done -= 1
                    if queue[current].assignmentId != reopened {  // defensive: keep the queue in step with the session
                        queue = try session.queue()
                        current = 0
                    }
                    handled = true
                } else if lower == UInt8(ascii: "q") || key == 3 || key == 4 {  // q, Ctrl-C, Ctrl-D
                    outcome.quit = true
                    return outcome
                }
            }
        }
        write("\u{1B}[2J\u{1B}[H")
        return outcome
    }

    /// The job's instructions on a screen of their own, until a key is
    /// pressed; false when it was q (or the input ended).
    private func showInstructions(_ instructions: String) -> Bool {
        write("\u{1B}[2J\u{1B}[H")
        let lines = instructions.split(separator: "\n", omittingEmptySubsequences: false).map { Text.escapingControls(String($0)) }
        write("Instructions\n\n" + lines.joined(separator: "\n") + "\n\nPress any key to start (q quits).\n")
        guard let key = readKey() else { return false }
        return !(key == UInt8(ascii: "q") || key == UInt8(ascii: "Q") || key == 3 || key == 4)
    }

    private func loadImage(_ path: String) throws -> RGBImage {
        let bytes = try FileReader.readAll(path)
        let (columns, rows) = size()
        return try bytes.withUnsafeBytes { try ImageProbe.decode($0, minSide: min(columns, rows * 2)) }
    }
}
