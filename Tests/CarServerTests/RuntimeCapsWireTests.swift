import CarRPC
import CarTestSupport
import Testing
@testable import CarServer

/// The per-connection runtime caps as a client meets them: -32602 naming the limit, and the
/// connection keeps working.
@Suite("daemon: per-connection runtime caps")
struct RuntimeCapsWireTests {
    @Test func toolsAndPolicySessionsPastTheirCapsAreRefusedNamingTheLimit() throws {
        let running = try DaemonSessionTests.RunningDaemon()
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        _ = try DaemonSessionTests.call(client, 0, "session.auth", #"{"token":"\#(DaemonSessionTests.token)"}"#)

        let tools = (0...1_024).map { #"{"name":"t\#($0)"}"# }.joined(separator: ",")
        let refused = try DaemonSessionTests.call(client, 1, "tools.register", "[\(tools)]")
        #expect(refused["error"]?["code"] == -32602)
        #expect((refused["error"]?["message"]?.stringValue ?? "").contains("at most 1024 tools"), "\(refused)")
        #expect(try DaemonSessionTests.call(client, 2, "tools.list")["result"]?["count"] == 0)

        for index in 0..<256 {
            let opened = try DaemonSessionTests.call(client, 3 + index, "session.policy.open", "{}")
            #expect(opened["result"]?["session_id"] != nil, "\(opened)")
        }
        let past = try DaemonSessionTests.call(client, 400, "session.policy.open", "{}")
        #expect(past["error"]?["code"] == -32602)
        #expect((past["error"]?["message"]?.stringValue ?? "").contains("at most 256 policy sessions"), "\(past)")
        #expect(try DaemonSessionTests.call(client, 401, "server.ping")["result"] != nil)
    }
}
