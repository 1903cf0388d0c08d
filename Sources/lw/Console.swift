import ArgumentParser
import Foundation
import GRDB
import LabelWorkbench

/// Output helpers: data to stdout, diagnostics to stderr.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Runs a command body; a library error becomes one `lw: …` line on stderr and exit 1.
    static func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            try report(error)
        }
    }

    static func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            try report(error)
        }
    }

    private static func report(_ error: any Error) throws -> Never {
        switch error {
        case let error as LWError:
            err("lw: \(error.description)")
            throw ExitCode(1)
        case let error as DatabaseError:
            err("lw: database error: \(error.message ?? "\(error.resultCode)") (\(error.resultCode)); if another lw is writing, retry when it is done")
            throw ExitCode(1)
        default:
            throw error
        }
    }
}

extension Int {
    /// 12345 → "12,345", for summaries people read.
    var grouped: String {
        let digits = String(Swift.abs(self))
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (self < 0 ? "-" : "") + String(out.reversed())
    }
}
