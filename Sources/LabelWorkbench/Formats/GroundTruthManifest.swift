import Foundation

/// Ground Truth's formats for image classification: the output manifest
/// (JSON Lines) and the label category configuration file.
public enum GroundTruthManifest {
    /// One output-manifest line: the input line's fields (or just "source-ref"),
    /// then "<job>": class index and "<job>-metadata".
    public static func line(sourceRef: String, inputFields: String?, jobName: String, classIndex: Int, className: String,
                            confidence: Double, humanAnnotated: Bool, creationDate: String) -> String {
        var parts: [String] = []
        var fields = (inputFields.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }) ?? [:]
        fields["source-ref"] = fields["source-ref"] ?? sourceRef
        fields.removeValue(forKey: jobName)
        fields.removeValue(forKey: jobName + "-metadata")
        // source-ref first, as Ground Truth writes it; the other input fields in a stable order.
        parts.append("\"source-ref\":" + JSON.text(fields.removeValue(forKey: "source-ref")!))
        for key in fields.keys.sorted() { parts.append(JSON.text(key) + ":" + JSON.text(fields[key]!)) }
        parts.append(JSON.text(jobName) + ":" + String(classIndex))
        let metadata = "{\"class-name\":\(JSON.text(className)),\"confidence\":\(String(format: "%.6f", confidence))," +
            "\"type\":\"groundtruth/image-classification\",\"job-name\":\(JSON.text("labeling-job/" + jobName))," +
            "\"human-annotated\":\"\(humanAnnotated ? "yes" : "no")\",\"creation-date\":\(JSON.text(creationDate))}"
        parts.append(JSON.text(jobName + "-metadata") + ":" + metadata)
        return "{" + parts.joined(separator: ",") + "}\n"
    }

    /// Ground Truth writes creation dates without a zone designator: 2018-10-18T22:18:13.527256.
    public static func creationDate(_ stored: String) -> String {
        stored.hasSuffix("Z") ? String(stored.dropLast()) : stored
    }

    /// {"document-version":"2018-11-28","labels":[{"label":"logo"},…]}
    public static func labelConfig(_ labels: [String]) -> String {
        "{\"document-version\":\"2018-11-28\",\"labels\":[" + labels.map { "{\"label\":\(JSON.text($0))}" }.joined(separator: ",") + "]}\n"
    }

    /// The labels of a label category configuration file, in order.
    public static func readLabelConfig(_ path: String) throws -> [String] {
        let data = Data(try InputFile.text(path, what: "label configuration").utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let labels = object["labels"] as? [[String: Any]] else {
            throw LWError.badInputLine(file: path, line: 1, reason: "not a Ground Truth label configuration: expected {\"document-version\": \"2018-11-28\", \"labels\": [{\"label\": \"...\"}, ...]}")
        }
        return try labels.enumerated().map { i, entry in
            guard let name = entry["label"] as? String else {
                throw LWError.badInputLine(file: path, line: 1, reason: "labels[\(i)] has no \"label\" string")
            }
            return name
        }
    }

    /// What an output manifest's lines say under one attribute: the human
    /// labels to import as votes, and the lines skipped with why.
    public struct ReadLabels: Sendable {
        public var labels: [(line: Int, source: String, label: String)] = []
        public var skipped: [(line: Int, reason: String)] = []
    }

    /// The labels an output manifest carries under `attribute` (the job name of
    /// the job that wrote it). A line counts as a human label only when its
    /// metadata says so: `type` groundtruth/image-classification,
    /// `human-annotated` "yes", a `class-name` that agrees with the class index
    /// and a `confidence` in [0, 1]. Skipped with a reason: machine labels
    /// (`human-annotated` "no"), failed labeling (`failure-reason`), lines
    /// without the attribute. Any other fault — or one image given two
    /// different labels — is an error naming the first such line, before
    /// anything is written.
    public static func readLabels(_ path: String, attribute: String, labels: [String]) throws -> ReadLabels {
        var read = ReadLabels()
        var rejected: [(line: Int, reason: String)] = []
        var firstLabel: [String: (line: Int, label: String)] = [:]
        for (number, raw) in try InputFile.lines(path, what: "manifest") {
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let object = try JSONLine.object(text, file: path, line: number, example: "{\"source-ref\": \"a.jpg\", \"\(attribute)\": 0, …}")
            guard let ref = object["source-ref"] as? String, !ref.isEmpty else {
                rejected.append((number, "no \"source-ref\" string")); continue
            }
            switch LabelLine(object, attribute: attribute, labels: labels) {
            case .label(let label):
                if let first = firstLabel[ref] {
                    if first.label != label {
                        rejected.append((number, "'\(Text.abbreviated(ref))' is labeled '\(first.label)' on line \(first.line) and '\(label)' here; keep one"))
                    }
                    continue  // the same label again counts once
                }
                firstLabel[ref] = (number, label)
                read.labels.append((number, ref, label))
            case .skipped(let reason): read.skipped.append((number, reason))
            case .rejected(let reason): rejected.append((number, reason))
            }
        }
        if let first = rejected.first {
            let more = rejected.count > 1 ? " (and \(rejected.count - 1) more bad lines: \(rejected.dropFirst().prefix(5).map { String($0.line) }.joined(separator: ", "))\(rejected.count > 6 ? ", …" : ""))" : ""
            throw LWError.badInputLine(file: Text.abbreviated(path), line: first.line, reason: first.reason + "; nothing was imported" + more)
        }
        return read
    }

    /// One output-manifest line judged under an attribute.
    enum LabelLine: Equatable {
        case label(String)
        case skipped(String)
        case rejected(String)

        init(_ object: [String: Any], attribute: String, labels: [String]) {
            let key = attribute + "-metadata"
            let value = object[attribute], metadata = object[key]
            if value == nil && metadata == nil { self = .skipped("no '\(attribute)' label on this line"); return }
            guard let metadata = metadata as? [String: Any] else {
                self = .rejected(metadata == nil ? "'\(attribute)' without '\(key)'" : "'\(key)' is not a JSON object"); return
            }
            if let failure = metadata["failure-reason"] {
                self = .skipped("labeling failed in Ground Truth (\(Text.abbreviated("\(failure)", limit: 80))): left unlabeled"); return
            }
            if let type = metadata["type"] as? String, type != "groundtruth/image-classification" {
                self = .rejected("'\(key)'.type is '\(Text.abbreviated(type, limit: 80))': only groundtruth/image-classification labels can be imported"); return
            }
            if let confidence = metadata["confidence"] {
                guard let c = (confidence as? NSNumber)?.doubleValue, !(type(of: confidence) is Bool.Type), (0...1).contains(c) else {
                    self = .rejected("'\(key)'.confidence must be a number from 0 to 1"); return
                }
            }
            let name = metadata["class-name"]
            if name != nil && !(name is String) { self = .rejected("'\(key)'.class-name is not a string"); return }
            var fromIndex: String?
            if let value {
                guard let number = value as? NSNumber, !(type(of: value) is Bool.Type), let index = Int(exactly: number.doubleValue) else {
                    self = .rejected("'\(attribute)' must be a whole class index"); return
                }
                guard labels.indices.contains(index) else {
                    self = .rejected("class index \(index) is outside this job's labels (\(labels.joined(separator: ", ")))"); return
                }
                fromIndex = labels[index]
            }
            guard let label = (name as? String) ?? fromIndex else { self = .rejected("neither a class index nor '\(key)'.class-name"); return }
            guard labels.contains(label) else {
                self = .rejected("class name '\(Text.abbreviated(label, limit: 80))' is not one of this job's labels (\(labels.joined(separator: ", ")))"); return
            }
            if let fromIndex, fromIndex != label {
                self = .rejected("class index \(labels.firstIndex(of: fromIndex)!) is '\(fromIndex)' but class-name says '\(label)'"); return
            }
            if let human = metadata["human-annotated"], (human as? String) != "yes" {
                self = (human as? String) == "no"
                    ? .skipped("a machine label (human-annotated: \"no\"): not a human vote, not imported")
                    : .rejected("'\(key)'.human-annotated must be \"yes\" or \"no\""); return
            }
            self = .label(label)
        }
    }
}
