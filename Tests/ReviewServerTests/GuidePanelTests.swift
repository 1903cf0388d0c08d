import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelWorkbench
import XCTest
@testable import ReviewServer

/// The worker page's instructions and "find this" panel: the job's text,
/// escaped, and each reference served to workers whose link works.
final class GuidePanelTests: XCTestCase {
    func testPageShowsInstructionsAndServesReferencesToWorkersOnly() async throws {
        let fixture = try ServerFixture()
        let context = RunContext(actor: "owner", command: "test", arguments: [])
        _ = try ChangeSettings.run(store: fixture.store, context: context) { $0.instructions = "Find the <red> logo.\nSkip blurry ones." }
        let file = fixture.directory.appendingPathComponent("logo.png")
        let png = try PNGCodec.encode(SyntheticImages.render(.init(width: 48, height: 32, withMark: true, seed: 5)))
        try Data(png).write(to: file)
        let added = try AddReferences.run([file.path], label: nil, store: fixture.store, context: context)
        let id = try XCTUnwrap(added.added.first?.id)
        let alice = fixture.links["alice"]!
        try await fixture.test { client in
            let html = Page.text(try await client.execute(uri: "/w/\(alice)", method: .get))
            XCTAssertTrue(html.contains("Find the &lt;red&gt; logo.\nSkip blurry ones."), html)
            XCTAssertTrue(html.contains("<img src=\"/w/\(alice)/references/\(id)\" alt=\"logo reference\">"), html)
            XCTAssertTrue(html.contains("<kbd>1</kbd>"), "the answer keys stay")

            let image = try await client.execute(uri: "/w/\(alice)/references/\(id)", method: .get)
            XCTAssertEqual(image.status, .ok)
            XCTAssertEqual(image.headers[.contentType], "image/png")
            XCTAssertEqual(Array(image.body.readableBytesView), png)
            let cached = try await client.execute(uri: "/w/\(alice)/references/\(id)", method: .get,
                                                  headers: [.ifNoneMatch: image.headers[.eTag]!])
            XCTAssertEqual(cached.status, .notModified)
            let forged = try await client.execute(uri: "/w/forged/references/\(id)", method: .get)
            XCTAssertEqual(forged.status, .forbidden)
            let unknown = try await client.execute(uri: "/w/\(alice)/references/999", method: .get)
            XCTAssertEqual(unknown.status, .notFound)
        }
    }

    func testPageWithoutInstructionsOrReferencesHasNoPanel() async throws {
        let fixture = try ServerFixture()
        let alice = fixture.links["alice"]!
        try await fixture.test { client in
            let html = Page.text(try await client.execute(uri: "/w/\(alice)", method: .get))
            XCTAssertFalse(html.contains("id=\"guide\""), html)
        }
    }
}
