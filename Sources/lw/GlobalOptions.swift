import ArgumentParser
import Foundation
import LabelWorkbench

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database file (default: $LW_DB, else ./lw.db).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Who is acting, for the audit trail (default: $USER).", valueName: "name"))
    var actor: String?

    @Flag(name: .long, help: "No progress bar and no summary on stderr.")
    var quiet = false

    func validate() throws {
        if let db, db.isEmpty { throw ValidationError("--db is empty: give the database file, e.g. --db lw.db") }
        if let actor, actor.isEmpty || actor.unicodeScalars.contains(where: Text.isControl) {
            throw ValidationError("--actor '\(Text.abbreviated(actor, limit: 60))' must be one line of visible text (a name for the audit trail)")
        }
    }

    var databasePath: String {
        db ?? ProcessInfo.processInfo.environment["LW_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "lw.db"
    }

    var actorName: String {
        actor ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
    }

    func context(_ command: String) -> RunContext {
        RunContext(actor: actorName, command: command, arguments: Array(CommandLine.arguments.dropFirst()))
    }

    func openStore() throws -> Store { try Store.openExisting(path: databasePath) }

    /// For commands that only read: SQLITE_OPEN_READONLY.
    func openReadOnlyStore() throws -> Store { try Store.openReadOnly(path: databasePath) }

    /// A progress bar on stderr, only when stderr is a terminal and not --quiet.
    func progressBar() -> ProgressReporter? {
        quiet || isatty(STDERR_FILENO) == 0 ? nil : TerminalProgressBar()
    }
}
