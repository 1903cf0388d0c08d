import ArgumentParser
import Foundation
import LabelWorkbench

struct WorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "Add, list, disable and enable workers.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self],
        defaultSubcommand: List.self
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add workers (names already present are left as they are).",
            discussion: """
                Example: lw workers add alice bob carol
                With --token each named worker (new or present) gets a new personal link
                for `lw serve`; the previous link of that worker stops working.
                Example: lw workers add alice --token --url http://10.0.0.5:8080
                With --expert the named workers (new or present) become experts: an
                expert's vote settles an image (consensus takes it as the truth, it
                validates as certain, and `lw suspects` no longer lists it).
                Example: lw workers add carol --expert
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Worker names.") var names: [String]
        @Flag(help: "Print a new personal browser link for each worker (see `lw serve`).") var token = false
        @Flag(help: "Make them experts: their vote settles an image.") var expert = false
        @Option(help: ArgumentHelp("Where `lw serve` is reached, for the printed links.", valueName: "url")) var url = "http://127.0.0.1:8080"

        func validate() throws {
            if names.isEmpty { throw ValidationError("give at least one worker name, e.g. lw workers add alice bob") }
            if token, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw ValidationError("--url '\(url)' is not an http(s) address, e.g. http://127.0.0.1:8080")
            }
        }

        func run() throws {
            try Console.reportingErrors {
                let added = try ManageWorkers.add(names, expert: expert, store: try global.openStore(), context: global.context("workers add"))
                let existing = names.count - added.count
                let summary = "added \(added.count) workers" + (existing > 0 ? " (\(existing) already present)" : "")
                guard token else { Console.out(summary); return }
                Console.err(summary)
                let base = url.hasSuffix("/") ? String(url.dropLast()) : url
                for link in try AccessTokens.issue(forWorkers: names, store: try global.openStore(), context: global.context("workers add")) {
                    Console.out("\(link.worker) \(base)/w/\(link.secret)")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each worker with votes, agreement with consensus and estimated accuracy.",
                                                        discussion: "Example: lw workers list --json")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            try Console.reportingErrors {
                let rows = try ManageWorkers.list(try global.openReadOnlyStore())
                if json {
                    for r in rows {
                        Console.out(JSON.text(["worker": r.name, "kind": r.kind, "active": r.active, "expert": r.expert, "votes": r.votes,
                                               "open_assignments": r.openAssignments, "skipped": r.skipped,
                                               "agreement": r.agreement as Any, "estimated_accuracy": r.accuracy as Any,
                                               "mean_seconds": r.meanSeconds as Any]))
                    }
                    return
                }
                func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
                let table = [["worker", "active", "votes", "open", "skipped", "agreement", "est. accuracy", "s/answer"]] + rows.map {
                    [$0.name + ($0.kind == "human" ? "" : " (\($0.kind))") + ($0.expert ? " (expert)" : ""), $0.active ? "yes" : "no", $0.votes.grouped,
                     $0.openAssignments.grouped, $0.skipped.grouped, pct($0.agreement), pct($0.accuracy),
                     $0.meanSeconds.map { String(format: "%.1f", $0) } ?? "-"]
                }
                Console.out(rows.isEmpty ? "no workers yet: lw workers add NAME..." : Table.render(table, rightAligned: [2, 3, 4, 5, 6, 7]))
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a worker and release their open assignments.",
                                                        discussion: "Example: lw workers disable bob")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The worker.") var name: String

        func run() throws {
            try Console.reportingErrors {
                let result = try ManageWorkers.setActive(name, active: false, store: try global.openStore(), context: global.context("workers disable"))
                Console.out(result.changed ? "disabled \(name); released \(result.released) open assignments" : "\(name) was already disabled")
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled worker.", discussion: "Example: lw workers enable bob")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The worker.") var name: String

        func run() throws {
            try Console.reportingErrors {
                let result = try ManageWorkers.setActive(name, active: true, store: try global.openStore(), context: global.context("workers enable"))
                Console.out(result.changed ? "enabled \(name)" : "\(name) was already active")
            }
        }
    }
}
