import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import LabelWorkbench
import XCTest
@testable import ReviewServer

/// Images reach a worker only through their assignments and the database;
/// /status only with the owner's link.
final class ImageAndStatusTests: XCTestCase {
    func imageOf(_ fixture: ServerFixture, assignment: Int64) throws -> (id: Int64, path: String) {
        try fixture.store.pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT i.id, i.path FROM image AS i JOIN assignment AS a ON a.image_id = i.id WHERE a.id = ?",
                                       arguments: [assignment])!
            return (row[0], row[1])
        }
    }

    func testImagesAreServedOnlyForOwnAssignmentsWithCacheHeaders() async throws {
        let fixture = try ServerFixture(workers: ["alice", "bob", "carol"], images: 3, perImage: 2)
        let alice = fixture.links["alice"]!
        let mine = try imageOf(fixture, assignment: try fixture.openAssignments("alice")[0])
        let notMine = try await fixture.store.pool.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT id FROM image WHERE id NOT IN (SELECT a.image_id FROM assignment AS a JOIN worker AS w ON w.id = a.worker_id WHERE w.name = 'alice')
                """)
        }
        try await fixture.test { client in
            let image = try await client.execute(uri: "/w/\(alice)/images/\(mine.id)", method: .get)
            XCTAssertEqual(image.status, .ok)
            XCTAssertEqual(image.headers[.contentType], "image/jpeg")
            XCTAssertEqual(Data(image.body.readableBytesView), try Data(contentsOf: URL(fileURLWithPath: mine.path)), "small images go out as imported")
            let etag = try XCTUnwrap(image.headers[.eTag])
            XCTAssertEqual(image.headers[.cacheControl], "private, max-age=86400, immutable")
            let again = try await client.execute(uri: "/w/\(alice)/images/\(mine.id)", method: .get, headers: [.ifNoneMatch: etag])
            XCTAssertEqual(again.status, .notModified)
            if let notMine {
                try await assertStatus(client.execute(uri: "/w/\(alice)/images/\(notMine)", method: .get), .notFound)
            }
            for probe in ["/w/\(alice)/images/..%2F..%2Fetc%2Fpasswd", "/w/\(alice)/images/../../lw.db", "/w/\(alice)/images/",
                          "/w/\(alice)/images/99999", "/lw.db", "/assets/", "/assets/../lw.db", "/w/"] {
                let response = try await client.execute(uri: probe, method: .get)
                XCTAssertTrue([.notFound, .forbidden].contains(response.status), "\(probe): \(response.status)")
                XCTAssertFalse(Page.text(response).contains("SQLite format"), probe)
            }
            try await assertStatus(client.execute(uri: "/w/\(fixture.links["bob"]!)/images/\(mine.id)", method: .get),
                           try fixture.count("SELECT count(*) FROM assignment AS a JOIN worker AS w ON w.id = a.worker_id WHERE w.name = 'bob' AND a.image_id = ?", [mine.id]) == 1 ? .ok : .notFound)

            // The file changed on disk since import: refused, not served.
            try Data("not the imported image".utf8).write(to: URL(fileURLWithPath: mine.path))
            try await assertStatus(client.execute(uri: "/w/\(alice)/images/\(mine.id)", method: .get), .gone)
        }
    }

    func testLargeImagesAreReencodedToFit() async throws {
        let fixture = try ServerFixture(workers: ["alice"], images: 1, perImage: 1, maxImageSide: 64)
        let alice = fixture.links["alice"]!
        let image = try imageOf(fixture, assignment: try fixture.openAssignments("alice")[0])
        try await fixture.test { client in
            let response = try await client.execute(uri: "/w/\(alice)/images/\(image.id)", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "image/jpeg")
            let size = try Data(response.body.readableBytesView).withUnsafeBytes { try JPEGCodec.header($0) }
            XCTAssertEqual(size.width, 64)   // 96×64 fitted into 64×64
            XCTAssertEqual(size.height, 42)
        }
    }

    func testStatusNeedsTheOwnerLinkAndEscapesNames() async throws {
        let fixture = try ServerFixture()
        let owner = try AccessTokens.issueOwner(store: fixture.store, context: RunContext(actor: "owner", command: "test", arguments: []))
        try await fixture.test { client in
            try await assertStatus(client.execute(uri: "/status", method: .get), .forbidden)
            try await assertStatus(client.execute(uri: "/status?token=\(fixture.links["alice"]!)", method: .get), .forbidden)
            try await assertStatus(client.execute(uri: "/status.json?token=wrong", method: .get), .forbidden)
            try await assertStatus(client.execute(uri: "/status/tables", method: .get), .forbidden)

            let alice = fixture.links["alice"]!
            let first = try fixture.openAssignments("alice")[0]
            _ = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                         body: Page.body(["assignment": first, "label": "logo"]))
            let page = try await client.execute(uri: "/status?token=\(owner)", method: .get)
            XCTAssertEqual(page.status, .ok)
            let html = Page.text(page)
            XCTAssertTrue(html.contains("<h1>job &lt;&amp;&gt; &quot;x&quot;</h1>"), html)
            XCTAssertTrue(html.contains("<td>alice</td><td>yes</td><td>1</td><td>5</td>"), html)
            XCTAssertTrue(html.contains("src=\"/assets/status.js\""))
            let json = try Page.json(try await client.execute(uri: "/status.json?token=\(owner)", method: .get))
            XCTAssertEqual((json["job"] as! [String: Any])["total"] as? Int, 6)
            XCTAssertEqual((json["server"] as! [String: Int])["answered"], 1)
            let workers = json["workers"] as! [[String: Any]]
            XCTAssertEqual(workers.first { $0["worker"] as? String == "alice" }?["votes"] as? Int, 1)
        }
    }

    func testConsensusIsRefreshedOnlyWhenVotesChanged() async throws {
        let fixture = try ServerFixture(workers: ["alice"], images: 2, perImage: 1)
        let alice = fixture.links["alice"]!
        let first = try fixture.openAssignments("alice")[0]
        let none = try await fixture.server.refreshConsensusIfNeeded()
        XCTAssertNil(none)
        try await fixture.test { client in
            _ = try await client.execute(uri: "/w/\(alice)/answer", method: .post, headers: Page.postHeaders,
                                         body: Page.body(["assignment": first, "label": "logo"]))
        }
        let summary = try await fixture.server.refreshConsensusIfNeeded()
        XCTAssertEqual(summary?.decided, 1)
        let again = try await fixture.server.refreshConsensusIfNeeded()
        XCTAssertNil(again)
        XCTAssertEqual(try fixture.count("SELECT count(*) FROM consensus"), 1)
    }
}

/// Every request runs these; at scale they must stay index lookups.
final class ServerQueryPlanTests: XCTestCase {
    func testHotQueriesUseIndexesWithoutSorting() throws {
        let fixture = try ServerFixture()
        let queries: [(String, StatementArguments)] = [
            (WorkerDesk.nextSQL, [1, 2]), (WorkerDesk.progressSQL, [1]), (WorkerDesk.lastClosedSQL, [1]),
            (ReviewImage.imageSQL, [1, 1]),
            (AccessTokens.holderSQL, ["x"]),
        ]
        for (sql, arguments) in queries {
            let plan = try fixture.store.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }.joined(separator: " | ")
            XCTAssertFalse(plan.contains("TEMP B-TREE"), "\(sql): \(plan)")
            XCTAssertFalse(plan.contains("SCAN"), "\(sql): \(plan)")
        }
    }
}
