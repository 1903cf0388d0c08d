import ArgumentParser
import Foundation
import LabelWorkbench

struct ReferencesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "references",
        abstract: "Add, list and remove pictures of what a label looks like.",
        discussion: """
            A reference is a clean logo file or a crop from a photo (JPEG or PNG, at
            least 16 px on its shorter side). It is never an image of the job: never
            labeled, assigned, exported or counted.
            """,
        subcommands: [Add.self, List.self, Remove.self],
        defaultSubcommand: List.self
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store references of a label (the same file again is the one stored).",
            discussion: """
                Every file is checked first: one bad file and nothing is stored.
                Example: lw references add logo.png crop.jpg --label logo
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("JPEG or PNG files.", valueName: "file")) var files: [String]
        @Option(help: "The label they show (default: the first; never the last, which means absence).") var label: String?

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one file, e.g. lw references add logo.png") }
        }

        func run() throws {
            try Console.reportingErrors {
                let outcome = try AddReferences.run(files, label: label, store: try global.openStore(), context: global.context("references add"))
                for record in outcome.added { Console.out("added reference \(record.id!): \(record.source) (\(record.width)×\(record.height))") }
                for (source, id) in outcome.alreadyStored { Console.out("\(source) is already reference \(id); nothing changed") }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each reference with its label, size and who added it.",
                                                        discussion: "Example: lw references list --json")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "One JSON array of objects.") var json = false

        func run() throws {
            try Console.reportingErrors {
                let rows = try ListReferences.run(try global.openReadOnlyStore())
                if json {
                    Console.out(JSON.text(rows.map {
                        ["id": $0.id, "label": $0.label, "source": $0.source, "format": $0.format, "width": $0.width, "height": $0.height,
                         "bytes": $0.bytes, "sha256": $0.sha256, "added_by": $0.addedBy, "added_at": $0.addedAt] as [String: Any]
                    }))
                    return
                }
                let table = [["id", "label", "source", "size", "sha256", "added by", "added at"]] + rows.map {
                    ["\($0.id)", $0.label, Text.abbreviated($0.source, limit: 60), "\($0.width)×\($0.height)", String($0.sha256.prefix(12)),
                     $0.addedBy, $0.addedAt]
                }
                Console.out(rows.isEmpty ? "no references yet: lw references add FILE... [--label NAME]" : Table.render(table, rightAligned: [0]))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one reference.", discussion: "Example: lw references remove 3")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The reference's id (see lw references list).") var id: Int64

        func run() throws {
            try Console.reportingErrors {
                let removed = try RemoveReference.run(id: id, store: try global.openStore(), context: global.context("references remove"))
                Console.out("removed reference \(id): \(removed.source)")
            }
        }
    }
}
