import Foundation
import GRDB
import Hummingbird
import LabelWorkbench

/// The job owner's /status page (the owner link's secret in `?token=`):
/// Ground Truth's counters, per-label counts, each worker's progress and
/// agreement; the page reloads its tables every few seconds.
struct OwnerRoutes: Sendable {
    let server: ReviewServer

    func register(on router: Router<BasicRequestContext>) {
        router.get("status") { request, _ in
            guard let token = try await ownerToken(request) else { return refused() }
            let tables = try await tables()
            return HTML.page(title: "lw status", body: "<main id=\"status\">\(tables)</main>",
                             attributes: " data-token=\"\(HTML.escape(token))\"", script: "status.js")
        }
        router.get("status/tables") { request, _ in
            guard try await ownerToken(request) != nil else { return refused() }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: try await tables())))
        }
        router.get("status.json") { request, _ in
            guard try await ownerToken(request) != nil else { return API.error(.forbidden, "the owner link's token is missing or wrong") }
            let status = try JobStatus.read(server.store)
            let workers = try ManageWorkers.list(server.store)
            let counts = server.counts
            return API.json([
                "job": status.jsonObject,
                "workers": workers.map { ["worker": $0.name, "active": $0.active, "votes": $0.votes, "open_assignments": $0.openAssignments,
                                          "skipped": $0.skipped, "agreement": $0.agreement as Any, "estimated_accuracy": $0.accuracy as Any] },
                "server": ["answered": counts.answered, "skipped": counts.skipped, "undone": counts.undone, "refused": counts.refused],
            ])
        }
    }

    func ownerToken(_ request: Request) async throws -> String? {
        guard let token = request.uri.queryParameters.get("token") else { return nil }
        let holder = try await server.store.pool.read { db in try AccessTokens.holder(of: token, db) }
        return holder == .owner ? token : nil
    }

    func refused() -> Response {
        HTML.refusal(.forbidden, "The status page needs the owner link that `lw serve` printed (…/status?token=…). `lw serve --new-owner-link` makes a new one.")
    }

    /// The tables, rendered on the server with every name escaped.
    func tables() async throws -> String {
        let status = try JobStatus.read(server.store)
        let workers = try ManageWorkers.list(server.store)
        let counts = server.counts
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
        func row(_ cells: [String], header: Bool = false) -> String {
            let tag = header ? "th" : "td"
            return "<tr>" + cells.map { "<\(tag)>\(HTML.escape($0))</\(tag)>" }.joined() + "</tr>"
        }
        var html = "<h1>\(HTML.escape(status.jobName))</h1>"
        html += "<section class=\"counters\">"
        for (name, value) in [("total", status.total), ("human-labeled", status.humanLabeled), ("machine-labeled", status.machineLabeled),
                              ("unlabeled", status.unlabeled), ("failed", status.failed)] {
            html += "<div><span class=\"value\">\(value)</span><span class=\"name\">\(name)</span></div>"
        }
        html += "</section><h2>Labels</h2><table>" + row(["label", "images"], header: true)
        html += status.labels.map { row([$0.name, String($0.images)]) }.joined() + "</table>"
        html += "<h2>Workers</h2><table>" + row(["worker", "active", "votes", "open", "skipped", "agreement", "est. accuracy", "s/answer"], header: true)
        html += workers.map {
            row([$0.name + ($0.kind == "human" ? "" : " (\($0.kind))"), $0.active ? "yes" : "no", String($0.votes), String($0.openAssignments),
                 String($0.skipped), pct($0.agreement), pct($0.accuracy), $0.meanSeconds.map { String(format: "%.1f", $0) } ?? "–"])
        }.joined() + "</table>"
        html += "<p class=\"note\">This server: \(counts.answered) answers, \(counts.skipped) skips, \(counts.undone) undos, \(counts.refused) refused. "
        html += "Agreement and accuracy come from the last consensus (recomputed every \(Int(server.settings.consensusInterval)) s while votes arrive). "
        html += "Updated \(HTML.escape(Timestamp.iso(Date())))</p>"
        return html
    }
}
