import GRDB

/// Which label a reference shows: any but the last, which means absence
/// (`no_logo` in `logo,no_logo`) and has nothing to picture.
enum ReferenceLabel {
    /// `name`'s label (nil: the first in class order); one-line `LWError` naming the remedy.
    static func resolve(_ name: String?, _ db: Database) throws -> LabelRecord {
        let labels = try LabelRecord.inClassOrder(db)
        guard labels.count >= 2 else {
            throw LWError.invalidArgument("the database has no job: run `lw init --labels a,b` first")
        }
        let pictured = labels.dropLast().map(\.name).joined(separator: ", ")
        guard let name else { return labels[0] }
        guard let label = labels.first(where: { $0.name == name }) else {
            throw LWError.invalidArgument("unknown label '\(Text.abbreviated(name, limit: 60))': pass --label with one of \(pictured)")
        }
        if label.id == labels.last!.id {
            throw LWError.invalidArgument("label '\(name)' means absence (the last label) and has no picture: pass --label with one of \(pictured)")
        }
        return label
    }
}
