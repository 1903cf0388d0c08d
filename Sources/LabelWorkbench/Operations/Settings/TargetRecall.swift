import GRDB

/// The recall each label must keep in the finished set (`--target-recall`):
/// one value for every label, and/or a label's own (`0.95`, `logo=0.98`,
/// `0.9,logo=0.98`). Unset: the job's target accuracy.
public struct TargetRecall: Sendable, Equatable {
    public var all: Double?
    public var byLabel: [String: Double] = [:]

    public init(all: Double? = nil, byLabel: [String: Double] = [:]) {
        self.all = all
        self.byLabel = byLabel
    }

    /// Parses the option's text; "target-accuracy" (or empty) is unset.
    public static func parse(_ text: String, labels: [String]) throws -> TargetRecall {
        var result = TargetRecall()
        if text == unsetText || text.isEmpty { return result }
        for part in text.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard let value = Double(pieces.last!), value > 0, value < 1 else {
                throw LWError.invalidArgument("--target-recall '\(Text.abbreviated(part, limit: 60))' is not a share between 0 and 1: use e.g. 0.95 or logo=0.98")
            }
            if pieces.count == 1 { result.all = value; continue }
            guard labels.contains(pieces[0]) else {
                throw LWError.invalidArgument("--target-recall names '\(Text.abbreviated(pieces[0], limit: 60))', not a label of the job (\(labels.joined(separator: ",")))")
            }
            result.byLabel[pieces[0]] = value
        }
        return result
    }

    static let unsetText = "target-accuracy"

    /// The option's text, labels in class order; equal texts mean equal settings.
    public func text(labels: [String]) -> String {
        let parts = (all.map { ["\($0)"] } ?? []) + labels.compactMap { name in byLabel[name].map { "\(name)=\($0)" } }
        return parts.isEmpty ? Self.unsetText : parts.joined(separator: ",")
    }

    static func load(_ db: Database) throws -> TargetRecall {
        var result = TargetRecall(all: try Double?.fetchOne(db, sql: "SELECT target_recall FROM job") ?? nil)
        for row in try Row.fetchAll(db, sql: "SELECT name, target_recall FROM label WHERE target_recall IS NOT NULL") {
            result.byLabel[row["name"]] = row["target_recall"]
        }
        return result
    }

    /// Writes the job's and every label's value (labels not named: NULL), in the caller's transaction.
    func save(_ db: Database) throws {
        try db.execute(sql: "UPDATE job SET target_recall = ?", arguments: [all])
        for name in try LabelRecord.names(db) {
            try db.execute(sql: "UPDATE label SET target_recall = ? WHERE name = ?", arguments: [byLabel[name], name])
        }
    }
}
