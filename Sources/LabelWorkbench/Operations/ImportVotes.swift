import Foundation
import GRDB

/// `lw votes import FILE`: labels made outside lw (another tool, a
/// spreadsheet, a vendor's crowd) as votes of named workers. Workers not yet
/// known are created with kind 'import' (they never get assignments). Every
/// row is checked first; unless `skipInvalid`, one bad row means nothing is
/// written. A vote already stored with the same label is a no-op.
public enum ImportVotes {
    public struct Line: Sendable, Equatable {
        public var line: Int
        public var worker: String
        public var source: String
        public var label: String
        public init(line: Int, worker: String, source: String, label: String) {
            self.line = line
            self.worker = worker
            self.source = source
            self.label = label
        }
    }

    public struct Summary: Sendable {
        public var recorded = 0
        public var alreadyRecorded = 0
        public var workersCreated = 0
        public var invalid: [RecordAnswers.Invalid] = []
        public var consensus = RefreshConsensus.Summary()
    }

    /// Header worker,source,label (`image` is accepted for `source`).
    public static func read(_ path: String) throws -> [Line] {
        let (header, records) = try CSVText.read(path)
        let sourceColumn = header.contains("source") ? "source" : "image"
        guard header.contains("worker"), header.contains(sourceColumn), header.contains("label") else {
            throw LWError.badInputLine(file: path, line: 1, reason: "header is '\(header.joined(separator: ","))': it must be worker,source,label")
        }
        return records.map { Line(line: $0.line, worker: $0.fields["worker"] ?? "", source: $0.fields[sourceColumn] ?? "", label: $0.fields["label"] ?? "") }
    }

    public static func apply(_ rows: [Line], file: String, skipInvalid: Bool, store: Store, context: RunContext) throws -> Summary {
        var context = context
        return try store.pool.write { db in
            var summary = Summary()
            var workers = try WorkerRecord.idsByName(db)
            let planned = try plan(rows, workers: workers, summary: &summary, db: db)
            if (!summary.invalid.isEmpty && !skipInvalid) || planned.isEmpty { return summary }
            try context.begin(db)
            for vote in planned {
                if workers[vote.worker] == nil {
                    try db.execute(sql: "INSERT INTO worker (name, kind, created_at) VALUES (?, 'import', ?)", arguments: [vote.worker, context.clock.iso])
                    workers[vote.worker] = db.lastInsertedRowID
                    try context.audit(db, action: .workerAdd, entity: "worker", entityId: db.lastInsertedRowID, after: ["name": vote.worker, "kind": "import"])
                    summary.workersCreated += 1
                }
                var record = VoteRecord(imageId: vote.image, workerId: workers[vote.worker]!, labelId: vote.label,
                                        createdAt: context.clock.iso, runId: context.runId!)
                try record.insert(db)
                try context.audit(db, action: .voteImport, entity: "vote", entityId: record.id,
                                  after: ["image_id": vote.image, "worker": vote.worker, "label_id": vote.label, "file": file])
            }
            summary.recorded = planned.count
            summary.consensus = try RefreshConsensus.run(db, context: context)
            try context.finish(db, status: summary.invalid.isEmpty ? .succeeded : .partial,
                               counts: ["recorded": summary.recorded, "already_recorded": summary.alreadyRecorded, "invalid": summary.invalid.count])
            return summary
        }
    }

    /// The votes to record: every row checked first (label, worker name,
    /// source, repeats within the file, votes already stored); the bad ones,
    /// sorted by line, and the no-ops counted in `summary`.
    static func plan(_ rows: [Line], workers: [String: Int64], summary: inout Summary,
                     db: Database) throws -> [(image: Int64, worker: String, label: Int64)] {
        let labels = Dictionary(uniqueKeysWithValues: try LabelRecord.inClassOrder(db).map { ($0.name, $0.id!) })
        let labelList = try LabelRecord.names(db).joined(separator: ", ")
        let resolver = try SourceResolver(db)
        var existing: [String: Int64] = [:]  // "image|worker" -> label id
        for vote in try VoteRecord.fetchAll(db) { existing["\(vote.imageId)|\(vote.workerId)"] = vote.labelId }
        var planned: [(image: Int64, worker: String, label: Int64)] = []
        // Each worker's first row for an image: the same vote again counts
        // once; two different labels reject both rows.
        var firstRow: [String: (line: Int, label: String)] = [:]
        var conflicting = Set<String>()
        var invalid: [RecordAnswers.Invalid] = []
        for row in rows {
            func bad(_ reason: String) { invalid.append(.init(line: row.line, reason: reason)) }
            guard let labelId = labels[row.label] else { bad("unknown label '\(row.label)' (labels: \(labelList))"); continue }
            guard ManageWorkers.isValidName(row.worker) else { bad("worker name '\(row.worker)' is not usable (letters, digits, . _ - @)"); continue }
            let image: Int64
            switch resolver.resolve(row.source) {
            case .found(let id): image = id
            case .missing: bad("unknown source '\(row.source)' (not an imported image)"); continue
            case .ambiguous(let n): bad("source '\(row.source)' matches \(n) images by file name; give the full path"); continue
            }
            let key = "\(image)|\(row.worker)"
            if let first = firstRow[key] {
                if first.label == row.label { summary.alreadyRecorded += 1; continue }
                bad("\(row.worker) votes '\(first.label)' for \(row.source) on line \(first.line) and '\(row.label)' here; keep one")
                if conflicting.insert(key).inserted {
                    invalid.append(.init(line: first.line, reason: "\(row.worker) votes '\(first.label)' for \(row.source) here and '\(row.label)' on line \(row.line); keep one"))
                }
                continue
            }
            firstRow[key] = (row.line, row.label)
            if let workerId = workers[row.worker], let previous = existing["\(image)|\(workerId)"] {
                if previous == labelId { summary.alreadyRecorded += 1 } else { bad("\(row.worker) already voted another label for \(row.source)") }
                continue
            }
            planned.append((image, row.worker, labelId))
        }
        summary.invalid = invalid.sorted { $0.line < $1.line }
        return planned.filter { !conflicting.contains("\($0.image)|\($0.worker)") }
    }
}
