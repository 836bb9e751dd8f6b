import CarHandlers
import CarHost
import CarRPC
import CarTestSupport
import Dispatch
import Glibc
import Testing
@testable import CarServer

/// Who may decide a gated call, and what becomes of calls nobody decides, over real sockets.
/// The gated method is `state.set` or `host.notify` (an embedder may gate any method), so
/// whether the handler ran is visible: the key's value, or an event in host state.
@Suite("daemon: gated-call authority and expiry")
struct GatedCallAuthorityTests {
    private static let authToken = "plain-token"
    private static let hostToken = "host-token"

    private func daemon(timeout: Duration = .seconds(10), gating methods: Set<String>, tokens: Bool = false) throws -> (CarDaemon, Int) {
        var state = ServerStateConfig(authToken: tokens ? Self.authToken : nil, hostToken: tokens ? Self.hostToken : nil,
                                      journalDirectory: nil)
        state.approvalGate.timeout = timeout
        state.approvalGate.methods = methods
        let daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state,
                                                                  logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    private func connect(_ port: Int, auth: String? = nil) throws -> WebSocketTestClient {
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        if let auth {
            try send(client, "auth", "session.auth", auth)
            let reply = try next(client, id: "auth")
            #expect(reply["result"]?["ok"] == true, "\(reply)")
        }
        return client
    }

    private func send(_ client: WebSocketTestClient, _ id: String, _ method: String, _ params: String) throws {
        try client.sendText(#"{"jsonrpc":"2.0","id":"\#(id)","method":"\#(method)","params":\#(params)}"#)
    }

    /// The next message with this id, or the next host.event of this kind; others are skipped.
    private func next(_ client: WebSocketTestClient, id: String? = nil, event kind: String? = nil, timeout: Double = 5) throws -> JSONValue {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard let text = try client.receiveJSONText(timeout: 0.5) else { continue }
            let message = try JSONParser.parse(text)
            if let id, message["id"] == .string(id) { return message }
            if let kind, message["method"] == "host.event", message["params"]?["kind"] == .string(kind) { return message }
        }
        throw WebSocketTestClient.ConnectionClosed(code: nil)
    }

    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String = "{}") throws -> JSONValue {
        try send(client, "c", method, params)
        return try next(client, id: "c")
    }

    /// The id of the one pending approval.
    private func pendingApproval(_ client: WebSocketTestClient) throws -> String {
        for _ in 0..<200 {
            let rows = try call(client, "host.approvals")["result"]?["approvals"]?.arrayValue ?? []
            if let row = rows.first(where: { $0["status"] == "pending" }), let id = row["id"]?.stringValue { return id }
            usleep(10_000)
        }
        throw WebSocketTestClient.ConnectionClosed(code: nil)
    }

    @Test func aConnectionCannotApproveItsOwnGatedCall() throws {
        let (running, port) = try daemon(gating: ["state.set"])
        defer { running.shutdown() }
        let caller = try connect(port)
        let other = try connect(port)
        defer { caller.close(); other.close() }
        try send(caller, "set", "state.set", #"{"key":"k","value":"written"}"#)
        let approval = try pendingApproval(caller)
        let own = try call(caller, "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)
        #expect(own["error"]?["code"] == -32002, "\(own)")
        #expect(own["error"]?["message"]?.stringValue?.contains("a connection may never approve its own high-risk call") == true)
        #expect(try call(caller, "state.get", #"{"key":"k"}"#)["result"] == .null, "the call still waits, unrun")
        // Any other connection decides it.
        #expect(try call(other, "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)["result"]?["status"] == "approved")
        #expect(try next(caller, id: "set")["error"] == nil)
        #expect(try call(caller, "state.get", #"{"key":"k"}"#)["result"] == "written")
    }

    @Test func withAHostTokenOnlyAHostSessionDecidesAGatedCall() throws {
        let (running, port) = try daemon(gating: ["state.set"], tokens: true)
        defer { running.shutdown() }
        let caller = try connect(port, auth: #"{"token":"\#(Self.authToken)"}"#)
        let plain = try connect(port, auth: #"{"token":"\#(Self.authToken)"}"#)
        let host = try connect(port, auth: #"{"host_token":"\#(Self.hostToken)"}"#)
        defer { caller.close(); plain.close(); host.close() }
        try send(caller, "set", "state.set", #"{"key":"k","value":1}"#)
        let approval = try pendingApproval(plain)
        let refused = try call(plain, "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)
        #expect(refused["error"]?["code"] == -32002, "\(refused)")
        #expect(refused["error"]?["message"]?.stringValue?.contains("only a host-role session (session.auth {host_token})") == true)
        #expect(try call(host, "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)["result"]?["status"] == "approved")
        #expect(try next(caller, id: "set")["error"] == nil)
        // A session's own approval still needs no host role.
        let own = try call(plain, "host.request_approval", #"{"title":"mine"}"#)
        let ownID = try #require(own["result"]?["id"]?.stringValue)
        #expect(try call(plain, "host.resolve_approval", #"{"approval_id":"\#(ownID)","approved":true}"#)["result"]?["status"] == "approved")
    }

    @Test func tenThousandTimedOutGatedCallsLeaveTheTableUsable() throws {
        let (running, port) = try daemon(timeout: .milliseconds(1), gating: ["state.set"])
        defer { running.shutdown() }
        let flooder = try connect(port)
        defer { flooder.close() }
        // In windows of the per-client cap, so each call really raises a row and times out.
        let total = HostState.maxApprovals
        let window = HostLimits.pendingApprovalsPerClient
        var timedOut = 0
        for start in stride(from: 0, to: total, by: window) {
            let ids = (start..<min(start + window, total)).map { "f\($0)" }
            for id in ids { try send(flooder, id, "state.set", #"{"key":"k","value":1}"#) }
            // Replies of one window come in any order.
            var waiting = Set(ids)
            while !waiting.isEmpty {
                guard let text = try flooder.receiveJSONText(timeout: 5) else { break }
                let reply = try JSONParser.parse(text)
                guard let id = reply["id"]?.stringValue, waiting.remove(id) != nil else { continue }
                if reply["error"]?["message"]?.stringValue?.contains("was expired (not approved within") == true { timedOut += 1 }
            }
            #expect(waiting.isEmpty, "no reply for \(waiting)")
            if !waiting.isEmpty { return }
        }
        #expect(timedOut == total)
        let rows = try call(flooder, "host.approvals")["result"]?["approvals"]?.arrayValue ?? []
        #expect(rows.count == total)
        #expect(rows.allSatisfy { $0["status"] == "expired" })

        // The table still takes new approvals: another client's gated call is put to a person
        // (and times out like the others), and a session's own approval is raised and decided.
        let other = try connect(port)
        defer { other.close() }
        let gated = try call(other, "state.set", #"{"key":"k","value":2}"#)
        #expect(gated["error"]?["message"]?.stringValue?.contains("was expired (not approved within") == true, "\(gated)")
        let own = try call(other, "host.request_approval", #"{"title":"still room?"}"#)
        let ownID = try #require(own["result"]?["id"]?.stringValue, "\(own)")
        #expect(try call(other, "host.resolve_approval", #"{"approval_id":"\#(ownID)","approved":true}"#)["result"]?["status"] == "approved")
    }

    @Test func aGatedCallWhoseClientLeftIsExpiredAndNeverRuns() throws {
        let (running, port) = try daemon(gating: ["host.notify"])
        defer { running.shutdown() }
        let watcher = try connect(port)
        defer { watcher.close() }
        _ = try call(watcher, "server.handshake", #"{"protocol_version":3}"#)
        #expect(try call(watcher, "host.subscribe")["result"]?["subscribed"] == true)
        let caller = try connect(port)
        try send(caller, "n", "host.notify", #"{"message":"must-not-run"}"#)
        let requested = try next(watcher, event: "approval.requested")
        let approval = try #require(requested["params"]?["payload"]?["id"]?.stringValue)
        caller.dropConnection()

        let resolved = try next(watcher, event: "approval.resolved")
        #expect(resolved["params"]?["payload"]?["id"] == .string(approval))
        #expect(resolved["params"]?["payload"]?["status"] == "expired")
        let late = try call(watcher, "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)
        #expect(late["error"]?["message"]?.stringValue?.contains("already expired") == true, "\(late)")
        usleep(200_000)
        let events = try call(watcher, "host.events")["result"]?["events"]?.arrayValue ?? []
        #expect(!events.contains { $0["message"] == "must-not-run" }, "the handler never ran")
    }

    @Test func pendingGatedCallsAreCappedPerClient() throws {
        let (running, port) = try daemon(gating: ["state.set"])
        defer { running.shutdown() }
        let greedy = try connect(port)
        let other = try connect(port)
        defer { greedy.close(); other.close() }
        let cap = HostLimits.pendingApprovalsPerClient
        for index in 0..<cap { try send(greedy, "g\(index)", "state.set", #"{"key":"k","value":1}"#) }
        for _ in 0..<200 {
            let rows = try call(other, "host.approvals")["result"]?["approvals"]?.arrayValue ?? []
            if rows.count == cap { break }
            usleep(10_000)
        }
        try send(greedy, "over", "state.set", #"{"key":"k","value":1}"#)
        let refused = try next(greedy, id: "over", timeout: 3)
        #expect(refused["error"]?["code"] == -32003, "\(refused)")
        #expect(refused["error"]?["message"]?.stringValue?.contains("already has \(cap) approvals pending") == true)
        // Another client is not held back by the greedy one: its call is put to a person.
        try send(other, "mine", "state.set", #"{"key":"k","value":2}"#)
        var pending = 0
        for _ in 0..<200 {
            let rows = try call(other, "host.approvals")["result"]?["approvals"]?.arrayValue ?? []
            pending = rows.filter { $0["status"] == "pending" }.count
            if pending == cap + 1 { break }
            usleep(10_000)
        }
        #expect(pending == cap + 1)
    }
}
