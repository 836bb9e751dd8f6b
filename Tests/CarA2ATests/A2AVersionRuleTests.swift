import Testing
@testable import CarA2A

/// The A2A-Version header rule, row by row as the SDK's `validate_version` decides it
/// (checked against packaging.version on this machine for the odd spellings).
@Suite struct A2AVersionRuleTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let method: A2AProtocolVersion
        let header: String?
        let code: Int?
        init(_ method: A2AProtocolVersion, _ header: String?, _ code: Int?) {
            self.method = method
            self.header = header
            self.code = code
        }
        var testDescription: String { "\(method.rawValue) \(header.map { "'\($0)'" } ?? "no header") -> \(code.map(String.init) ?? "ok")" }
    }

    static let rows: [Row] = [
        // 1.0 methods
        Row(.v1_0, "1.0", nil),
        Row(.v1_0, "1.1", nil), Row(.v1_0, "1.0.0", nil), Row(.v1_0, "1", nil), Row(.v1_0, "v1.0", nil), Row(.v1_0, " 1.0 ", nil),
        Row(.v1_0, "1.0rc1", nil), Row(.v1_0, "1.0.post1", nil), Row(.v1_0, "1.0+local", nil), Row(.v1_0, "1.0-1", nil),
        Row(.v1_0, "1.0.dev2", nil), Row(.v1_0, "1.0a1.post2.dev3+ab.1", nil), Row(.v1_0, "V1.0", nil),
        Row(.v1_0, nil, -32009), Row(.v1_0, "", -32009), Row(.v1_0, "0.3", -32009), Row(.v1_0, "2.0", -32009),
        Row(.v1_0, "abc", -32009), Row(.v1_0, "1.x", -32009), Row(.v1_0, "1.0.", -32009), Row(.v1_0, "1.0+", -32009), Row(.v1_0, "1.0 1", -32009),
        Row(.v1_0, "1!0.3", -32009),
        // 0.3 methods
        Row(.v0_3, nil, nil), Row(.v0_3, "", nil), Row(.v0_3, "0.3", nil), Row(.v0_3, "0.3.0", nil), Row(.v0_3, "0.9", nil),
        Row(.v0_3, "1.0", -32603), Row(.v0_3, "2.0", -32603), Row(.v0_3, "x", -32603),
    ]

    @Test(arguments: rows)
    func theHeaderRule(row: Row) {
        #expect(A2ADispatcher.versionError(method: row.method, header: row.header)?.code == row.code)
    }

    @Test func theMessageIsTheSDKs() {
        #expect(A2ADispatcher.versionError(method: .v1_0, header: nil)?.message
                == "A2A version '0.3' is not supported by this handler. Expected version '1.0'.")
        #expect(A2ADispatcher.versionError(method: .v0_3, header: "1.0")?.message
                == "A2A version '1.0' is not supported by this handler. Expected version '0.3'.")
    }
}
