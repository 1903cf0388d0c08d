import Foundation

/// Errors a user can act on. Each description is one line that names the
/// file, line or value at fault and says what to do next.
public enum LWError: Error, CustomStringConvertible, Equatable {
    case notInitialized(database: String)
    case alreadyInitialized(database: String, detail: String)
    case invalidArgument(String)
    case unreadableInput(path: String, reason: String)
    case badInputLine(file: String, line: Int, reason: String)
    case databaseNewerThanLW(database: String, migration: String)

    public var description: String {
        switch self {
        case .notInitialized(let database):
            return "no lw job in \(database): run `lw init --labels a,b --job-name NAME` first (or point --db / LW_DB at an existing database)"
        case .alreadyInitialized(let database, let detail):
            return "\(database) already holds a job (\(detail)); use another --db, rerun with the stored settings, or change them with `lw settings set`"
        case .invalidArgument(let message):
            return message
        case .unreadableInput(let path, let reason):
            return "\(path): \(reason)"
        case .badInputLine(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        case .databaseNewerThanLW(let database, let migration):
            return "\(database) was written by a newer lw (it has migration \(migration), unknown to this binary): upgrade lw"
        }
    }
}
