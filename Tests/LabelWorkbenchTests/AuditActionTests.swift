import XCTest
@testable import LabelWorkbench

/// Audit actions are a public interface: each a distinct `table.verb`.
final class AuditActionTests: XCTestCase {
    func testActionsAreDistinctTableDotVerbStrings() {
        let values = AuditAction.allCases.map(\.rawValue)
        XCTAssertEqual(Set(values).count, values.count)
        for value in values { XCTAssertNotNil(value.range(of: #"^[a-z_]+\.[a-z]+$"#, options: .regularExpression), value) }
        XCTAssertEqual(AuditAction.closing("answered"), .assignmentAnswer)
        XCTAssertEqual(AuditAction.closing("released"), .assignmentRelease)
    }
}
