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
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LWError.unreadableInput(path: path, reason: "cannot read the label configuration; check the path")
        }
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

    /// The labels an output manifest carries under `attribute` (the job name of
    /// the job that wrote it): "<attribute>-metadata".class-name, else the class
    /// index "<attribute>" mapped through `labels`. Returns (line, source-ref,
    /// label); a line without the attribute is skipped; a bad one is an error.
    public static func readLabels(_ path: String, attribute: String, labels: [String]) throws -> [(line: Int, source: String, label: String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LWError.unreadableInput(path: path, reason: "cannot read the manifest; check the path")
        }
        var out: [(Int, String, String)] = []
        var lineNumber = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let ref = object["source-ref"] as? String else {
                throw LWError.badInputLine(file: path, line: lineNumber, reason: "not a JSON object with a \"source-ref\"")
            }
            var name = (object[attribute + "-metadata"] as? [String: Any])?["class-name"] as? String
            if name == nil, let index = (object[attribute] as? NSNumber)?.intValue {
                guard labels.indices.contains(index) else {
                    throw LWError.badInputLine(file: path, line: lineNumber, reason: "class index \(index) is outside this job's labels (\(labels.joined(separator: ", ")))")
                }
                name = labels[index]
            }
            guard let label = name else { continue }
            guard labels.contains(label) else {
                throw LWError.badInputLine(file: path, line: lineNumber, reason: "class name '\(label)' is not one of this job's labels (\(labels.joined(separator: ", ")))")
            }
            out.append((lineNumber, ref, label))
        }
        return out
    }
}
