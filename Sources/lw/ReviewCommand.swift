import ArgumentParser
import Foundation
import LabelWorkbench

extension TerminalImage.Display: ExpressibleByArgument {}

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Answer assignments: interactively in the terminal, or in batch from a CSV file.",
        discussion: """
            Interactive (a terminal): lw review --worker alice
              shows each image inline (kitty, iTerm2, or truecolor half blocks);
              1-9 or a label's first letter answers, s skips, u undoes, q quits;
              the job's instructions (lw settings set --instructions) come first.
            Batch: lw review --answers answers.csv
              header assignment_id,label (or worker,source,label; optional seconds).
              Every row is checked first: one bad row and nothing is written, unless
              --skip-invalid (then the valid rows go in and exit status is 2).
              Rows already recorded with the same label are no-ops.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Review as this worker, interactively.") var worker: String?
    @Option(help: ArgumentHelp("Answers from a CSV file.", valueName: "file")) var answers: String?
    @Flag(name: .customLong("skip-invalid"), help: "With --answers: apply the valid rows, list the invalid ones.") var skipInvalid = false
    @Option(help: "Image display: kitty, iterm, halfblock or none (default: detected).") var display: TerminalImage.Display?

    func validate() throws {
        if (worker == nil) == (answers == nil) {
            throw ValidationError("give either --worker NAME (interactive) or --answers FILE (batch)")
        }
    }

    func run() throws {
        var exitCode: Int32 = 0
        try Console.reportingErrors {
            let store = try global.openStore()
            if let answers {
                exitCode = try batch(answers, store: store)
            } else if let worker {
                try interactive(worker, store: store)
            }
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    private func batch(_ file: String, store: Store) throws -> Int32 {
        let rows = try AnswersFile.read(file)
        let summary = try RecordAnswers.apply(rows, file: file, skipInvalid: skipInvalid, store: store, context: global.context("review"))
        for bad in summary.invalid.prefix(50) { Console.err("lw: \(file):\(bad.line): \(bad.reason)") }
        if summary.invalid.count > 50 { Console.err("lw: … and \(summary.invalid.count - 50) more invalid rows") }
        if !summary.invalid.isEmpty && !skipInvalid {
            Console.err("lw: \(file): \(summary.invalid.count) invalid rows, nothing recorded; fix them or pass --skip-invalid")
            return 1
        }
        Console.out("recorded \(summary.recorded.grouped) answers" +
                    (summary.alreadyRecorded > 0 ? ", \(summary.alreadyRecorded.grouped) already recorded" : "") +
                    (summary.invalid.isEmpty ? "" : ", skipped \(summary.invalid.count.grouped) invalid rows") +
                    (summary.recorded > 0 ? "; consensus: \(summary.consensus.decided.grouped) new, \(summary.consensus.revised.grouped) revised" : ""))
        return summary.invalid.isEmpty ? 0 : 2
    }

    private func interactive(_ name: String, store: Store) throws {
        guard isatty(STDIN_FILENO) == 1 else {
            throw LWError.invalidArgument("interactive review needs a terminal on stdin; for labels made elsewhere use `lw review --answers FILE`")
        }
        let session = try ReviewSession(store: store, worker: name, context: global.context("review"))
        if try session.queue().isEmpty {
            _ = try session.finish()
            throw LWError.invalidArgument("\(name) has no open assignments: run `lw assign` first")
        }
        let terminal = RawTerminal()
        defer { terminal.restore() }
        var review = InteractiveReview(
            session: session,
            imageProtocol: display ?? TerminalImage.detect(ProcessInfo.processInfo.environment),
            size: RawTerminal.size,
            readKey: terminal.readKey,
            write: { FileHandle.standardOutput.write(Data($0.utf8)) })
        let outcome = try review.run()
        terminal.restore()
        let consensus = try review.session.finish()
        let remaining = try review.session.queue().count
        Console.out("\(name): answered \(outcome.answered), skipped \(outcome.skipped), undid \(outcome.undone); " +
                    (remaining == 0 ? "queue empty" : "\(remaining) open assignments left") +
                    "; consensus: \(consensus.decided) new, \(consensus.revised) revised")
    }
}

/// Raw keyboard input on stdin (no echo, no line buffering), restored on exit.
final class RawTerminal {
    private var original = termios()
    private var active = false

    init() {
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        active = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0
    }

    func readKey() -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let n = read(STDIN_FILENO, &byte, 1)
            if n == 1 { return byte }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    func restore() {
        if active { tcsetattr(STDIN_FILENO, TCSANOW, &original); active = false }
    }

    static func size() -> (columns: Int, rows: Int) {
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0, w.ws_row > 0 { return (Int(w.ws_col), Int(w.ws_row)) }
        return (80, 24)
    }
}
