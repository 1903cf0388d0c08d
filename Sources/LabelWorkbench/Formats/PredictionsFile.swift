import Foundation

/// `lw predictions import FILE`: JSON Lines, each naming an image by
/// "source-ref" or "sha256" and giving "label" with "confidence", or
/// "scores" {label: score ≥ 0} (normalised to sum to 1).
public enum PredictionsFile {
    public enum ImageKey: Sendable, Equatable {
        case sha256(String)
        case source(String)
    }

    public struct Line: Sendable, Equatable {
        public var number: Int
        public var image: ImageKey
        /// One probability per label, in class order.
        public var probabilities: [Double]
    }

    /// Every line of `path` that parses, and the line and reason of each that
    /// does not (the caller lists them with its own, before writing).
    public static func read(_ path: String, labels: [String]) throws -> (lines: [Line], errors: [(line: Int, reason: String)], bytes: Data) {
        let bytes = try InputFile.read(path, what: "predictions file")
        var lines: [Line] = [], errors: [(line: Int, reason: String)] = []
        for (number, raw) in try InputFile.lines(of: bytes, path: path) {
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            switch parse(text, labels: labels) {
            case .success(let (image, probabilities)): lines.append(Line(number: number, image: image, probabilities: probabilities))
            case .failure(let fault): errors.append((number, fault.message))
            }
        }
        if lines.isEmpty && errors.isEmpty { throw LWError.badInputLine(file: Text.abbreviated(path), line: 1, reason: "no predictions in the file") }
        return (lines, errors, bytes)
    }

    /// Lists up to ten faults of `path`, by line, in one error.
    static func throwIfAny(_ errors: [(line: Int, reason: String)], path: String) throws {
        guard !errors.isEmpty else { return }
        let shown = errors.sorted { $0.line < $1.line }.prefix(10).map { "\(Text.abbreviated(path)):\($0.line): \($0.reason)" }.joined(separator: "\n")
        throw LWError.invalidArgument(shown + (errors.count > 10 ? "\n… and \(errors.count - 10) more bad lines" : "") + "\nnothing was imported; fix the lines and run again")
    }

    struct Fault: Error { var message: String }

    static func parse(_ text: String, labels: [String]) -> Result<(ImageKey, [Double]), Fault> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return .failure(Fault(message: "not a JSON object")) }
        if let key = JSONLine.firstDuplicateKey(text) { return .failure(Fault(message: "the key \"\(key)\" appears twice in one object")) }
        let image: ImageKey
        if let sha = object["sha256"] as? String { image = .sha256(sha.lowercased()) }
        else if let ref = object["source-ref"] as? String { image = .source(ref) }
        else { return .failure(Fault(message: "needs \"source-ref\" or \"sha256\"")) }
        return probabilities(object, labels: labels).map { (image, $0) }
    }

    static func probabilities(_ object: [String: Any], labels: [String]) -> Result<[Double], Fault> {
        let list = labels.joined(separator: ", ")
        var p = [Double](repeating: 0, count: labels.count)
        if let scores = object["scores"] as? [String: Any] {
            for (name, value) in scores {
                guard let index = labels.firstIndex(of: name) else { return .failure(Fault(message: "unknown label '\(name)' in scores (labels: \(list))")) }
                guard let v = (value as? NSNumber)?.doubleValue, v >= 0, v.isFinite else { return .failure(Fault(message: "score of '\(name)' is not a number ≥ 0")) }
                p[index] = v
            }
            let sum = p.reduce(0, +)
            guard sum > 0 else { return .failure(Fault(message: "scores are all 0")) }
            return .success(p.map { $0 / sum })
        }
        guard let label = object["label"] as? String else { return .failure(Fault(message: "needs \"label\" with \"confidence\", or \"scores\"")) }
        guard let index = labels.firstIndex(of: label) else { return .failure(Fault(message: "unknown label '\(label)' (labels: \(list))")) }
        guard let confidence = (object["confidence"] as? NSNumber)?.doubleValue, confidence >= 0, confidence <= 1 else {
            return .failure(Fault(message: "\"confidence\" must be a number from 0 to 1"))
        }
        for k in 0..<p.count { p[k] = k == index ? confidence : (1 - confidence) / Double(p.count - 1) }
        return .success(p)
    }
}
