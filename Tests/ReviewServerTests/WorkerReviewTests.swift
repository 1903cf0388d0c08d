import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelWorkbench
import XCTest
@testable import ReviewServer

/// The worker's page and actions through Hummingbird's testing client, on a
/// real database: what each request writes, and what it must not.
final class WorkerReviewTests: XCTestCase {
    func testPageEscapesLabelsAndBindsKeys() async throws {
        let fixture = try ServerFixture(labels: ["<b>logo</b>", "no \"logo\" & co"])
        let alice = fixture.links["alice"]!
        try await fixture.test { client in
            let page = try await client.execute(uri: "/w/\(alice)", method: .get)
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            let html = Page.text(page)
            XCTAssertFalse(html.contains("<b>logo</b>"))
            XCTAssertTrue(html.contains("data-label=\"&lt;b&gt;logo&lt;/b&gt;\""), html)
            XCTAssertTrue(html.contains("no &quot;logo&quot; &amp; co"))
            XCTAssertTrue(html.contains("<kbd>1</kbd>") && html.contains("<kbd>2</kbd>") && html.contains("<kbd>n</kbd>"))
            XCTAssertTrue(html.contains("src=\"/assets/review.js\""))
            XCTAssertNotNil(page.headers[.contentSecurityPolicy])
            // The unusual label is answered as it is.
            let first = try fixture.openAssignments("alice")[0]
            let answer = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                                  body: Page.body(["assignment": first, "label": "no \"logo\" & co"]))
            XCTAssertEqual(answer.status, .ok)
        }
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote AS v JOIN label AS l ON l.id = v.label_id WHERE l.name = 'no \"logo\" & co'"), 1)
    }

    func testAnswerSkipUndoWriteVotesAndAuditRows() async throws {
        let fixture = try ServerFixture()
        let alice = fixture.links["alice"]!
        let open = try fixture.openAssignments("alice")
        XCTAssertEqual(open.count, 6)
        try await fixture.test { client in
            let next = try Page.json(try await client.execute(uri: "/w/\(alice)/next", method: .get))
            let state = next["state"] as! [String: Any]
            let items = state["items"] as! [[String: Any]]
            XCTAssertEqual(items.count, 2, "the current image and the next one, to preload")
            XCTAssertEqual(items[0]["assignment"] as? Int64 ?? (items[0]["assignment"] as? Int).map(Int64.init), open[0])
            XCTAssertEqual(state["progress"] as! [String: Int], ["done": 0, "open": 6])

            let answered = try Page.json(try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                                                  body: Page.body(["assignment": open[0], "label": "logo", "seconds": 1.25])))
            XCTAssertEqual((answered["state"] as! [String: Any])["progress"] as! [String: Int], ["done": 1, "open": 5])
            let skipped = try await client.execute(uri: "/w/\(alice)/skip", method: .post, headers: Page.postHeaders,
                                                   body: Page.body(["assignment": open[1]]))
            XCTAssertEqual(skipped.status, .ok)
            XCTAssertEqual(try fixture.count("SELECT count(*) FROM assignment WHERE id = ? AND status = 'skipped'", [open[1]]), 1)

            // Undo takes back the skip first, then the answer (and its vote).
            _ = try await client.execute(uri: "/w/\(alice)/undo", method: .post, headers: Page.postHeaders, body: Page.body([:]))
            XCTAssertEqual(try fixture.count("SELECT count(*) FROM assignment WHERE id = ? AND status = 'open'", [open[1]]), 1)
            XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote"), 1)
            let undone = try Page.json(try await client.execute(uri: "/w/\(alice)/undo", method: .post, headers: Page.postHeaders, body: Page.body([:])))
            XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote"), 0)
            let undoneState = undone["state"] as! [String: Any]
            XCTAssertEqual(undoneState["can_undo"] as? Bool, false)
            XCTAssertEqual(((undoneState["items"] as! [[String: Any]])[0]["assignment"] as! NSNumber).int64Value, open[0],
                           "the undone image is shown again")
            // Nothing left to undo: a no-op, not an error.
            let again = try await client.execute(uri: "/w/\(alice)/undo", method: .post, headers: Page.postHeaders, body: Page.body([:]))
            XCTAssertEqual(again.status, .ok)

            _ = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                         body: Page.body(["assignment": open[0], "label": "no_logo", "seconds": 2]))
        }
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote AS v JOIN label AS l ON l.id = v.label_id WHERE v.assignment_id = ? AND l.name = 'no_logo' AND v.seconds = 2", [open[0]]), 1)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM audit_event WHERE action = 'vote.cast' AND actor = 'alice'"), 2)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM audit_event WHERE action = 'vote.undo' AND actor = 'alice'"), 1)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM audit_event WHERE action = 'assignment.reopen'"), 2)
        XCTAssertEqual(fixture.server.counts, .init(answered: 2, skipped: 1, undone: 2, refused: 0))
    }

    func testSomeoneElsesOrForgedAssignmentIs403AndWritesNothing() async throws {
        let fixture = try ServerFixture()
        let alice = fixture.links["alice"]!, bob = fixture.links["bob"]!
        let alicesFirst = try fixture.openAssignments("alice")[0]
        let audit = try fixture.count("SELECT count(*) FROM audit_event")
        try await fixture.test { client in
            for (token, assignment) in [(bob, alicesFirst), (alice, 999_999), (alice, -1)] {
                let response = try await client.execute(uri: "/w/\(token)/answer", method: .post, headers: Page.postHeaders,
                                                        body: Page.body(["assignment": assignment, "label": "logo"]))
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertEqual(try Page.json(response)["error"] as? String, "assignment refused: it is not one of yours")
            }
            let skip = try await client.execute(uri: "/w/\(bob)/skip", method: .post, headers: Page.postHeaders, body: Page.body(["assignment": alicesFirst]))
            XCTAssertEqual(skip.status, .forbidden)
            // A mistyped link, a well-formed unknown one, and an unknown label.
            for token in ["nope", String(repeating: "A", count: 43)] {
                let page = try await client.execute(uri: "/w/\(token)", method: .get)
                XCTAssertEqual(page.status, .forbidden)
                let answer = try await client.execute(uri: "/w/\(token)/answer", method: .post, headers: Page.postHeaders,
                                                      body: Page.body(["assignment": alicesFirst, "label": "logo"]))
                XCTAssertEqual(answer.status, .forbidden)
            }
            let label = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                                 body: Page.body(["assignment": alicesFirst, "label": "cat"]))
            XCTAssertEqual(label.status, .badRequest)
            let malformed = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                                     body: ByteBuffer(string: "{\"assignment\": \"x\"}"))
            XCTAssertEqual(malformed.status, .badRequest)
        }
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote"), 0)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM assignment WHERE status <> 'open'"), 0)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM audit_event"), audit, "a refusal leaves no trace but its counter")
    }

    func testReplacedLinkAndDisabledWorkerAreRefused() async throws {
        let fixture = try ServerFixture()
        let old = fixture.links["alice"]!
        let context = RunContext(actor: "owner", command: "test", arguments: [])
        let new = try AccessTokens.issue(forWorkers: ["alice"], store: fixture.store, context: context)[0].secret
        try await fixture.test { client in
            try await assertStatus(client.execute(uri: "/w/\(old)/next", method: .get), .forbidden)
            try await assertStatus(client.execute(uri: "/w/\(new)/next", method: .get), .ok)
            _ = try ManageWorkers.setActive("alice", active: false, store: fixture.store, context: context)
            try await assertStatus(client.execute(uri: "/w/\(new)/next", method: .get), .forbidden)
        }
        // Only hashes are stored.
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM access_token WHERE token_sha256 IN (?, ?)", [old, new]), 0)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM access_token WHERE token_sha256 = ?", [AccessTokens.digest(new)]), 1)
    }

    func testAnsweredTwiceOrExpiredIsAConflictNotASecondVote() async throws {
        let fixture = try ServerFixture(expiresAfter: 600)
        let alice = fixture.links["alice"]!
        let open = try fixture.openAssignments("alice")
        try await fixture.test { client in
            let body = Page.body(["assignment": open[0], "label": "logo"])
            try await assertStatus(client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders, body: body), .ok)
            let twice = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders, body: body)
            XCTAssertEqual(twice.status, .conflict)
            XCTAssertEqual(try Page.json(twice)["error"] as? String, "assignment \(open[0]) takes no answer: it was already answered")

            fixture.advanceClock(by: 601)
            let late = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                                body: Page.body(["assignment": open[1], "label": "logo"]))
            XCTAssertEqual(late.status, .conflict)
            XCTAssertEqual(try Page.json(late)["error"] as? String, "assignment \(open[1]) takes no answer: its time ran out; it goes back to the queue")
            // The next state closes the overdue assignments: the queue is empty now.
            let state = try Page.json(late)["state"] as! [String: Any]
            XCTAssertEqual((state["items"] as! [Any]).count, 0)
        }
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote"), 1)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM assignment AS a JOIN worker AS w ON w.id = a.worker_id WHERE w.name = 'alice' AND a.status = 'expired'"), 5)
    }

    func testConcurrentAnswersFromSeveralWorkersLoseAndDuplicateNothing() async throws {
        let workers = ["w1", "w2", "w3", "w4", "w5", "w6"]
        let fixture = try ServerFixture(workers: workers, images: 20, perImage: 3)
        let plan = try workers.map { ($0, fixture.links[$0]!, try fixture.openAssignments($0)) }
        let total = plan.reduce(0) { $0 + $1.2.count }
        XCTAssertEqual(total, 60)
        try await fixture.test { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (_, token, assignments) in plan {
                    for assignment in assignments {
                        // Every answer is sent twice at once (a double click): one vote, one conflict.
                        for _ in 0..<2 {
                            group.addTask {
                                try await client.execute(uri: "/w/\(token)/answer", method: .post, headers: Page.postHeaders,
                                                         body: Page.body(["assignment": assignment, "label": assignment % 2 == 0 ? "logo" : "no_logo"])).status.code
                            }
                        }
                    }
                }
                var statuses: [Int: Int] = [:]
                for try await status in group { statuses[status, default: 0] += 1 }
                XCTAssertEqual(statuses, [200: 60, 409: 60])
            }
        }
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote"), 60)
        XCTAssertEqual(try fixture.count("SELECT count(DISTINCT assignment_id) FROM vote"), 60)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM assignment WHERE status = 'answered'"), 60)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM audit_event WHERE action = 'vote.cast'"), 60)
        // Shutting down computes consensus over the new votes and closes the run.
        try await fixture.server.finish()
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM consensus"), 20)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM run WHERE command = 'serve' AND status = 'succeeded' AND json_extract(counts, '$.answered') = 60"), 1)
    }

    func testCrossSitePostsAreRefusedBeforeAnythingIsWritten() async throws {
        let fixture = try ServerFixture()
        let alice = fixture.links["alice"]!
        let first = try fixture.openAssignments("alice")[0]
        let body = Page.body(["assignment": first, "label": "logo"])
        try await fixture.test { client in
            let plainForm = try await client.execute(uri: "/w/\(alice)/answer", method: .post,
                                                     headers: [.contentType: "application/x-www-form-urlencoded"], body: body)
            XCTAssertEqual(plainForm.status, .forbidden)
            var foreign = Page.postHeaders
            foreign[.origin] = "http://evil.example"
            try await assertStatus(client.execute(uri: "/w/\(alice)/answer", method: .post, headers: foreign, body: body), .forbidden)
            var crossSite = Page.postHeaders
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            try await assertStatus(client.execute(uri: "/w/\(alice)/answer", method: .post, headers: crossSite, body: body), .forbidden)
            var text = Page.postHeaders
            text[.contentType] = "text/plain"
            try await assertStatus(client.execute(uri: "/w/\(alice)/answer", method: .post, headers: text, body: body), .unsupportedMediaType)
            try await assertStatus(client.execute(uri: "/w/\(alice)/answer", method: .delete), .methodNotAllowed)
        }
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM vote"), 0)
    }

    func testEmptyQueueSaysSo() async throws {
        let fixture = try ServerFixture(workers: ["alice", "bob", "carol"], images: 1, perImage: 2)
        let idle = try XCTUnwrap(try ["alice", "bob", "carol"].first { try fixture.openAssignments($0).isEmpty })
        try await fixture.test { client in
            let state = try Page.json(try await client.execute(uri: "/w/\(fixture.links[idle]!)/next", method: .get))["state"] as! [String: Any]
            XCTAssertEqual((state["items"] as! [Any]).count, 0)
            XCTAssertEqual(state["progress"] as! [String: Int], ["done": 0, "open": 0])
        }
        XCTAssertTrue(Assets.reviewScript.contains("Your queue is empty"))
    }

    func testHTMLEscape() {
        XCTAssertEqual(HTML.escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(HTML.escape("plain ü"), "plain ü")
    }
}
