import ArgumentParser
import Foundation
import LabelWorkbench
import ReviewServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the browser review page to workers and /status to the job owner.",
        discussion: """
            Example: lw serve --port 8080
            Workers open their personal link (`lw workers add alice --token`), see their
            next assigned image and answer with 1-9 or a label's first letter, s to skip,
            u to undo. The owner link (printed on the first start, or with
            --new-owner-link) opens /status. Binds 127.0.0.1 unless --host says otherwise.
            The CLI keeps working on the same database while the server runs.
            Ctrl-C (or SIGTERM) finishes the requests in flight, recomputes consensus and exits.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (0.0.0.0 exposes the server to the network).") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port).") var port = 8080
    @Option(name: .customLong("max-image-side"), help: "Larger images are re-encoded to fit this many pixels.") var maxImageSide = 1280
    @Option(name: .customLong("consensus-every"), help: "Seconds between consensus refreshes while votes arrive.") var consensusEvery = 10.0
    @Flag(name: .customLong("new-owner-link"), help: "Make a new owner link for /status (the old one stops working).") var newOwnerLink = false

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port \(port) is not a port number (0-65535)") }
        if host.isEmpty { throw ValidationError("--host is empty: use 127.0.0.1, or 0.0.0.0 to expose the server") }
        if !(maxImageSide >= 64 && maxImageSide <= 8192) { throw ValidationError("--max-image-side \(maxImageSide) must be between 64 and 8192") }
        if !(consensusEvery >= 1) { throw ValidationError("--consensus-every \(consensusEvery) must be at least 1 second") }
    }

    func run() async throws {
        try await Console.reportingErrors {
            let store = try global.openStore()
            var context = global.context("serve")
            try ServeSession.start(store: store, context: &context)
            let hasOwnerLink = try AccessTokens.hasOwnerToken(store)
            let ownerSecret: String? = newOwnerLink || !hasOwnerLink
                ? try AccessTokens.issueOwner(store: store, context: context) : nil
            var settings = ReviewServer.Settings()
            settings.host = host
            settings.port = port
            settings.maxImageSide = maxImageSide
            settings.consensusInterval = consensusEvery
            let server = ReviewServer(store: store, context: context, settings: settings)
            try await server.refreshConsensus()
            let shownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
            let app = server.application { boundPort in
                Console.out("serving http://\(shownHost):\(boundPort) (Ctrl-C stops)")
                if let ownerSecret {
                    Console.out("owner: http://\(shownHost):\(boundPort)/status?token=\(ownerSecret)")
                } else {
                    Console.out("owner: /status with the owner link printed earlier (`lw serve --new-owner-link` makes a new one)")
                }
                Console.out("workers: `lw workers add NAME --token --url http://\(shownHost):\(boundPort)` prints a personal link")
            }
            let refresher = Task { await server.refreshConsensusPeriodically() }
            do {
                try await app.runService()
            } catch {
                refresher.cancel()
                ServeSession.fail(store: store, context: context, error: error)
                throw LWError.invalidArgument("cannot serve on \(host):\(port) (\(error)); is the port in use? choose another with --port")
            }
            refresher.cancel()
            _ = await refresher.value
            try await server.finish()
            let counts = server.counts
            Console.err("stopped: \(counts.answered) answers, \(counts.skipped) skips, \(counts.undone) undos; consensus recomputed")
        }
    }
}
