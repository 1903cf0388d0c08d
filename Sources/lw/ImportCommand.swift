import ArgumentParser
import Foundation
import LabelWorkbench

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import images from folders, files or a Ground Truth input manifest.",
        discussion: """
            Folders are read recursively (hidden files skipped). Each file is hashed
            and decoded once to prove it is a usable JPEG or PNG; a file whose content
            is already stored is skipped. Bad files are recorded in import_error and
            skipped. Exit status: 0 all imported, 2 some files failed, 1 error.
            Examples:
              lw import ~/photos
              lw import --manifest input.manifest
              lw import --manifest output.manifest --labels-from logo-job   # labels as votes
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("A Ground Truth input manifest (JSON Lines with \"source-ref\").", valueName: "file"))
    var manifest: String?

    @Argument(help: ArgumentHelp("Folders or image files.", valueName: "path"))
    var paths: [String] = []

    @Option(name: .customLong("labels-from"), help: ArgumentHelp("With --manifest: take the labels under this attribute (the job name of a Ground Truth output manifest) as votes.", valueName: "attribute"))
    var labelsFrom: String?

    @Option(name: .customLong("labels-worker"), help: "The worker those votes are recorded under (default: manifest-ATTRIBUTE).")
    var labelsWorker: String?

    @Option(name: .customLong("batch-size"), help: "Files written per transaction (a kill loses at most one batch of work).")
    var batchSize = 256

    @Flag(name: .long, help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        if paths.isEmpty && manifest == nil {
            throw ValidationError("nothing to import: give folders or files, or --manifest FILE")
        }
        if labelsFrom != nil && manifest == nil { throw ValidationError("--labels-from needs --manifest FILE") }
        if batchSize < 1 { throw ValidationError("--batch-size \(batchSize) must be at least 1") }
    }

    func run() throws {
        var failed = false
        try Console.reportingErrors {
            let store = try global.openStore()
            var candidates = ImportSources.walk(paths)
            if let manifest { candidates += try ImportSources.manifest(manifest) }
            // Labels are checked before anything is imported: a bad line stops it all.
            var labelVotes: [ImportVotes.Line] = []
            var skippedLines: [(line: Int, reason: String)] = []
            if let attribute = labelsFrom, let manifest {
                let labels = try ExportLabels.job(store).labels
                let worker = labelsWorker ?? "manifest-" + attribute
                let read = try GroundTruthManifest.readLabels(manifest, attribute: attribute, labels: labels)
                labelVotes = read.labels.map { ImportVotes.Line(line: $0.line, worker: worker, source: $0.source, label: $0.label) }
                skippedLines = read.skipped
            }
            var images = ImportImages(store: store, context: global.context("import"), progress: global.progressBar())
            images.batchSize = batchSize
            var operation = ImportWithLabels(images: images, votesContext: global.context("import labels"))
            let result = try operation.run(candidates, labels: labelVotes, manifest: manifest)
            let summary = result.images
            report(summary)
            if let votes = result.votes, let manifest {
                for bad in votes.invalid.prefix(20) { Console.err("lw: \(manifest):\(bad.line): \(bad.reason)") }
                Console.out("recorded \(votes.recorded.grouped) labels as votes of \(labelVotes[0].worker)" +
                            (votes.alreadyRecorded > 0 ? ", \(votes.alreadyRecorded.grouped) already recorded" : ""))
            }
            if let manifest, labelsFrom != nil { reportSkipped(skippedLines, manifest: manifest) }
            failed = summary.failed > 0
        }
        if failed { throw ExitCode(2) }
    }

    /// Lines of an output manifest that gave no vote, by reason (each line on stderr, at most 20).
    private func reportSkipped(_ skipped: [(line: Int, reason: String)], manifest: String) {
        guard !skipped.isEmpty else { return }
        if !global.quiet { for line in skipped.prefix(20) { Console.err("lw: \(manifest):\(line.line): skipped: \(line.reason)") } }
        var byReason: [String: Int] = [:]
        for line in skipped { byReason[line.reason.components(separatedBy: " (").first ?? line.reason, default: 0] += 1 }
        (json ? Console.err : Console.out)("skipped \(skipped.count.grouped) manifest lines without a human label: " +
                    byReason.sorted { $0.value > $1.value }.map { "\($0.value.grouped) \($0.key)" }.joined(separator: "; "))
    }

    private func report(_ summary: ImportSummary) {
        if !global.quiet {
            for failure in summary.failures.prefix(20) {
                Console.err("lw: \(Text.abbreviated(failure.source)): \(failure.reason)")
            }
            if summary.failures.count > 20 {
                Console.err("lw: … and \(summary.failures.count - 20) more: SELECT source, reason FROM import_error")
            }
        }
        if json {
            var object = summary.counts
            object["run_id"] = summary.runId
            Console.out(JSON.text(object))
            return
        }
        var parts = ["imported \(summary.imported.grouped) of \(summary.files.grouped) files"]
        if summary.alreadyImported > 0 { parts.append("\(summary.alreadyImported.grouped) already imported") }
        if summary.duplicates > 0 { parts.append("skipped \(summary.duplicates.grouped) duplicates") }
        if summary.failed > 0 { parts.append("\(summary.failed.grouped) failed (see import_error)") }
        Console.out(parts.joined(separator: ", "))
    }
}
