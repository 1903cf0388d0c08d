import CSV
import Foundation

/// CSV in and out. Reading goes through CSV.swift (quoting, embedded commas
/// and newlines); writing is RFC 4180 quoting of each field, done here because
/// CSV.swift's writer pushes one byte at a time through an OutputStream, too
/// slow for million-row exports.
public enum CSVText {
    /// A data row with its 1-based line number in the file (header = line 1).
    public struct Record: Sendable {
        public var line: Int
        public var fields: [String: String]
    }

    /// Reads a file with a header row: UTF-8 (a byte-order mark accepted),
    /// fields trimmed of surrounding spaces (lw's one whitespace policy for
    /// every CSV it reads). Throws a one-line error naming the file and the
    /// true line for unreadable files, an empty file, an unclosed quote and a
    /// row with more fields than the header.
    public static func read(_ path: String) throws -> (header: [String], records: [Record]) {
        let text = try InputFile.text(path)
        let file = Text.abbreviated(path)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw LWError.badInputLine(file: file, line: 1, reason: "empty file: expected a header row and one row per answer")
        }
        if let line = unclosedQuoteLine(text) {
            throw LWError.badInputLine(file: file, line: line, reason: "CSV syntax error: the quoted field opened here is never closed")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw LWError.badInputLine(file: file, line: 1, reason: "not readable as CSV (\(error))")
        }
        let header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var records: [Record] = []
        var line = 1 + (reader.headerRow ?? []).reduce(0) { $0 + $1.filter { $0 == "\n" }.count }
        while let row = reader.next() {
            line += 1
            let start = line
            line += row.reduce(0) { $0 + $1.filter { $0 == "\n" }.count }
            if row.allSatisfy({ $0.isEmpty }) { continue }
            if row.count > header.count {
                throw LWError.badInputLine(file: file, line: start, reason: "\(row.count) fields, but the header has \(header.count); quote a field that holds a comma")
            }
            var fields: [String: String] = [:]
            for (i, name) in header.enumerated() where i < row.count { fields[name] = row[i] }
            records.append(Record(line: start, fields: fields))
        }
        if let error = reader.error {
            throw LWError.badInputLine(file: file, line: line + 1, reason: "CSV syntax error (\(error)); check quoting")
        }
        return (header, records)
    }

    /// The line of a quote that opens a field and is never closed (RFC 4180:
    /// a quote opens a field only at its start; "" inside is an escaped quote).
    static func unclosedQuoteLine(_ text: String) -> Int? {
        var line = 1, openedAt: Int?, atFieldStart = true
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if openedAt != nil {
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" { continue }  // an escaped quote
                    openedAt = nil
                    pending = next
                    atFieldStart = false
                    continue
                }
                if c == "\n" { line += 1 }
                continue
            }
            switch c {
            case "\"" where atFieldStart: openedAt = line
            case ",": atFieldStart = true
            case "\n": line += 1; atFieldStart = true
            case " ", "\t", "\r": break
            default: atFieldStart = false
            }
        }
        return openedAt
    }

    /// One CSV line (with "\n"), quoting fields that need it.
    public static func line(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",") + "\n"
    }

    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || field.hasPrefix(" ") || field.hasSuffix(" ") else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One answer: either `assignmentId`, or `worker` + `source`; its file line.
public struct AnswerRow: Sendable, Equatable {
    public var line: Int
    public var assignmentId: String?
    public var worker: String?
    public var source: String?
    public var label: String
    public var seconds: Double?
    public init(line: Int, assignmentId: String? = nil, worker: String? = nil, source: String? = nil, label: String, seconds: Double? = nil) {
        self.line = line
        self.assignmentId = assignmentId
        self.worker = worker
        self.source = source
        self.label = label
        self.seconds = seconds
    }
}

/// `lw review --answers FILE`: header `assignment_id,label` or
/// `worker,source,label`, optionally with `seconds`.
public enum AnswersFile {
    public static func read(_ path: String) throws -> [AnswerRow] {
        let (header, records) = try CSVText.read(path)
        let byAssignment = header.contains("assignment_id") && header.contains("label")
        let byWorker = header.contains("worker") && header.contains("source") && header.contains("label")
        guard byAssignment || byWorker else {
            throw LWError.badInputLine(file: path, line: 1, reason: "header is '\(header.joined(separator: ","))': it must be assignment_id,label or worker,source,label")
        }
        return records.map { record in
            let f = record.fields
            return AnswerRow(line: record.line,
                                     assignmentId: byAssignment ? f["assignment_id"] ?? "" : nil,
                                     worker: byAssignment ? nil : f["worker"] ?? "",
                                     source: byAssignment ? nil : f["source"] ?? "",
                                     label: f["label"] ?? "",
                                     seconds: f["seconds"].flatMap(Double.init))
        }
    }
}
