import GRDB

/// `lw references list`: every reference with its label, in class order.
public enum ListReferences {
    public struct Row: Sendable {
        public var id: Int64
        public var label: String
        public var source: String
        public var format: String
        public var width: Int
        public var height: Int
        public var bytes: Int
        public var sha256: String
        public var addedBy: String
        public var addedAt: String
    }

    public static func run(_ store: Store) throws -> [Row] {
        try store.pool.read { db in
            let names = Dictionary(uniqueKeysWithValues: try LabelRecord.inClassOrder(db).map { ($0.id!, $0.name) })
            return try ReferenceRecord.all(db).map { r in
                Row(id: r.id!, label: names[r.labelId] ?? "?", source: r.source, format: r.format, width: r.width, height: r.height,
                    bytes: r.bytes.count, sha256: r.sha256, addedBy: r.addedBy, addedAt: r.addedAt)
            }
        }
    }
}
