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

    /// Reads a file with a header row. Throws a one-line error naming the file
    /// for unreadable files and malformed CSV.
    public static func read(_ path: String) throws -> (header: [String], records: [Record]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LWError.unreadableInput(path: path, reason: "cannot read the file; check the path")
        }
        let text = String(decoding: data, as: UTF8.self)
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw LWError.badInputLine(file: path, line: 1, reason: "not readable as CSV (\(error))")
        }
        let header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var records: [Record] = []
        var line = 1
        while let row = reader.next() {
            line += 1 + row.reduce(0) { $0 + $1.filter { $0 == "\n" }.count }
            if row.allSatisfy({ $0.isEmpty }) { continue }
            var fields: [String: String] = [:]
            for (i, name) in header.enumerated() where i < row.count { fields[name] = row[i] }
            fields["\u{0}count"] = String(row.count)
            records.append(Record(line: line, fields: fields))
        }
        if let error = reader.error {
            throw LWError.badInputLine(file: path, line: line + 1, reason: "malformed CSV (\(error)); check quoting")
        }
        return (header, records)
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

/// `lw review --answers FILE`: header `assignment_id,label` or
/// `worker,source,label`, optionally with `seconds`.
public enum AnswersFile {
    public static func read(_ path: String) throws -> [RecordAnswers.Row] {
        let (header, records) = try CSVText.read(path)
        let byAssignment = header.contains("assignment_id") && header.contains("label")
        let byWorker = header.contains("worker") && header.contains("source") && header.contains("label")
        guard byAssignment || byWorker else {
            throw LWError.badInputLine(file: path, line: 1, reason: "header is '\(header.joined(separator: ","))': it must be assignment_id,label or worker,source,label")
        }
        return records.map { record in
            let f = record.fields
            return RecordAnswers.Row(line: record.line,
                                     assignmentId: byAssignment ? f["assignment_id"] ?? "" : nil,
                                     worker: byAssignment ? nil : f["worker"] ?? "",
                                     source: byAssignment ? nil : f["source"] ?? "",
                                     label: f["label"] ?? "",
                                     seconds: f["seconds"].flatMap(Double.init))
        }
    }
}
