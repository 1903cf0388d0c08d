import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelWorkbench
import Synchronization
import XCTest
@testable import ReviewServer

/// A job on a temporary database with generated images, workers with links,
/// and assignments — and a server over it whose clock the test can move.
final class ServerFixture: Sendable {
    let directory: URL
    let store: Store
    let server: ReviewServer
    let links: [String: String]
    let offset = ClockOffset()

    /// `labels` may hold characters HTML must escape; images are JPEGs (one large PNG when `largePNG`).
    init(labels: [String] = ["logo", "no_logo"], workers: [String] = ["alice", "bob"], images: Int = 6,
         perImage: Int = 2, expiresAfter: TimeInterval? = nil, maxImageSide: Int = 1280) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lw-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("lw.db").path
        let offset = self.offset
        let clock = RunClock { Date().addingTimeInterval(offset.seconds.withLock { $0 }) }
        let context = RunContext(actor: "owner", command: "test", arguments: [], clock: clock)
        _ = try InitJob.run(databasePath: path, settings: JobSettings(name: "job <&> \"x\"", labels: labels), context: context)
        store = try Store.openExisting(path: path)
        var candidates: [ImportCandidate] = []
        for i in 0..<images {
            let file = directory.appendingPathComponent("img_\(i).jpg").path
            let image = SyntheticImages.render(.init(width: 96, height: 64, withMark: i % 2 == 0, seed: UInt64(i)))
            try Data(JPEGCodec.encode(image)).write(to: URL(fileURLWithPath: file))
            candidates.append(ImportCandidate(source: file, path: file))
        }
        var importer = ImportImages(store: store, context: context)
        _ = try importer.run(candidates)
        _ = try ManageWorkers.add(workers, store: store, context: context)
        links = Dictionary(uniqueKeysWithValues: try AccessTokens.issue(forWorkers: workers, store: store, context: context).map { ($0.worker, $0.secret) })
        var options = AssignImages.Options()
        options.perImage = perImage
        options.strategy = .random
        options.expiresAfter = expiresAfter
        var assign = AssignImages(store: store, context: context, options: options)
        _ = try assign.run()
        var serveContext = RunContext(actor: "owner", command: "serve", arguments: [], clock: clock)
        try serveContext.start(in: store)
        var settings = ReviewServer.Settings()
        settings.maxImageSide = maxImageSide
        server = ReviewServer(store: store, context: serveContext, settings: settings)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func advanceClock(by seconds: TimeInterval) { offset.seconds.withLock { $0 += seconds } }

    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await server.application().test(.router, body)
    }

    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try store.pool.read { try Int.fetchOne($0, sql: sql, arguments: arguments)! }
    }

    /// The worker's open assignment ids, oldest first.
    func openAssignments(_ worker: String) throws -> [Int64] {
        try store.pool.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT a.id FROM assignment AS a JOIN worker AS w ON w.id = a.worker_id
                WHERE w.name = ? AND a.status = 'open' ORDER BY a.id
                """, arguments: [worker])
        }
    }
}

/// How far the fixture's clock runs ahead of the real one.
final class ClockOffset: Sendable {
    let seconds = Mutex<TimeInterval>(0)
}

func assertStatus(_ response: TestResponse, _ expected: HTTPResponse.Status, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(response.status, expected, String(decoding: response.body.readableBytesView, as: UTF8.self), file: file, line: line)
}

/// Requests as lw's own page sends them.
enum Page {
    static let postHeaders: HTTPFields = [.contentType: "application/json", HTTPField.Name("X-LW-Request")!: "1"]

    static func body(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as! [String: Any]
    }

    static func text(_ response: TestResponse) -> String {
        String(decoding: response.body.readableBytesView, as: UTF8.self)
    }
}
