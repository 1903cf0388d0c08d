import ArgumentParser
import Foundation
import LabelWorkbench

extension ExportLabels.Only: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the labeled images (CSV to stdout or a file).",
        discussion: """
            CSV header: source,sha256,label,confidence,origin,model_id,votes,image_id
            (origin: human or machine). manifest: Ground Truth's output manifest for
            image classification. label-config: Ground Truth's label category file.
            Rows in image-id order; the same database state gives the same bytes.
            --out writes atomically and refuses to overwrite without --force.
            Examples:
              lw export --format csv > labels.csv
              lw export --format manifest --out labels.manifest
              lw export --format label-config --out labels.json
              lw export --format folder --out dataset/ --split 80/10/10 --seed 7   # dataset/{train,val,test}/{label}/file
              lw export --format csv --only human --min-confidence 0.9 --out human.csv
            """
    )

    enum Format: String, ExpressibleByArgument { case csv, manifest, folder, labelConfig = "label-config" }

    @OptionGroup var global: GlobalOptions
    @Option(help: "csv, manifest (Ground Truth output manifest, JSON Lines) or label-config.") var format: Format = .csv
    @Option(help: ArgumentHelp("Write here instead of stdout.", valueName: "path")) var out: String?
    @Flag(help: "Overwrite --out if it exists.") var force = false
    @Option(help: "all, human or machine.") var only: ExportLabels.Only = .all
    @Option(name: .customLong("min-confidence"), help: "Only labels at least this confident.") var minConfidence: Double?
    @Option(help: "Folder export: train/val/test shares.") var split = "80/10/10"
    @Option(help: "Folder export: seed of the split.") var seed: UInt64 = 0
    @Flag(help: "Folder export: draw the splits anew.") var reshuffle = false
    @Flag(help: "Folder export: hard links (default).") var link = false
    @Flag(help: "Folder export: copies instead of hard links.") var copy = false

    func validate() throws {
        if let out, out.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--out is empty: give a file (or, with --format folder, a folder) to write") }
        if format == .folder && out == nil { throw ValidationError("--format folder needs --out FOLDER") }
        if link && copy { throw ValidationError("choose --link or --copy") }
    }

    func run() throws {
        try Console.reportingErrors {
            let store = try global.openStore()
            var options = ExportLabels.Options()
            options.only = only
            options.minConfidence = minConfidence
            let context = global.context("export")
            if format == .folder {
                var request = ExportFolder.Request(out: out!, shares: try FolderLayout.parseSplit(split), seed: seed)
                (request.reshuffle, request.copy, request.force, request.options) = (reshuffle, copy, force, options)
                let s = try ExportFolder.run(store: store, request: request, context: context)
                Console.out("exported \(s.images.grouped) images to \(out!) (" + ExportFolder.splits.map { "\($0) \(s.perSplit[$0] ?? 0)" }.joined(separator: ", ") +
                            "): \(s.written.grouped) written, \(s.unchanged.grouped) unchanged, \(s.removed.grouped) removed")
                return
            }
            let file = ExportFile.Format(rawValue: format.rawValue)!
            let s = try ExportFile.run(store: store, format: file, out: out, force: force, options: options, context: context)
            let count = s.rows
            if out != nil && !global.quiet { Console.err("exported \(count.grouped) labeled images to \(out!)") }
        }
    }
}
