import CarHandlers
import CarRPC
import CarTestSupport
import Dispatch
import Testing
@testable import CarServer

/// The approval gate over real sockets: a gated call parks until another connection decides.
@Suite("daemon: approval gate and host events")
struct ApprovalGateTests {
    private func daemon(timeout: Duration = .seconds(5), gating methods: Set<String>? = nil) throws -> (CarDaemon, Int) {
        var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: nil)
        state.approvalGate.timeout = timeout
        state.approvalGate.methods = methods
        let daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state,
                                                                  logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    private func send(_ client: WebSocketTestClient, _ id: String, _ method: String, _ params: String) throws {
        try client.sendText(#"{"jsonrpc":"2.0","id":"\#(id)","method":"\#(method)","params":\#(params)}"#)
    }

    /// The next message with this id, or the next notification of this method; others are skipped.
    private func next(_ client: WebSocketTestClient, id: String? = nil, method: String? = nil, timeout: Double = 5) throws -> JSONValue {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard let text = try client.receiveJSONText(timeout: 0.5) else { continue }
            let message = try JSONParser.parse(text)
            if let id, message["id"] == .string(id) { return message }
            if let method, message["method"] == .string(method) { return message }
        }
        throw WebSocketTestClient.ConnectionClosed(code: nil)
    }

    /// An inline method (answered on the event loop without a task) that an embedder gates
    /// still waits for a person: the gate, not the fast path, decides.
    @Test func anEmbedderCanGateAnInlineMethod() throws {
        let (running, port) = try daemon(timeout: .milliseconds(300), gating: ["state.set"])
        defer { running.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { client.close() }
        try send(client, "set", "state.set", #"{"key":"k","value":1}"#)
        #expect(try next(client, id: "set")["error"]?["code"] == -32003)
        try send(client, "get", "state.get", #"{"key":"k"}"#)
        #expect(try next(client, id: "get")["result"] == .null, "the refused write did not happen")
        try send(client, "bad", "state.set", #"{"value":1}"#)
        #expect(try next(client, id: "bad")["error"]?["code"] == -32602, "bad params are refused before anyone is asked")
    }

    @Test func aSubscriberApprovesAndTheParkedCallRuns() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let caller = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        let host = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { caller.close(); host.close() }
        try send(host, "hs", "server.handshake", #"{"protocol_version":3}"#)
        _ = try next(host, id: "hs")
        try send(host, "sub", "host.subscribe", "{}")
        #expect(try next(host, id: "sub")["result"]?["subscribed"] == true)

        try send(caller, "ocr", "vision.ocr", #"{"image_path":"/nonexistent.png"}"#)
        let requested = try next(host, method: "host.event")
        #expect(requested["params"]?["kind"] == "approval.requested")
        let approval = try #require(requested["params"]?["payload"]?["id"]?.stringValue)
        #expect(requested["params"]?["payload"]?["action"] == "ws.method:vision.ocr")
        try send(host, "ok", "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)
        #expect(try next(host, id: "ok")["result"]?["status"] == "approved")
        // Approved: the handler ran and answered what is true here (no tesseract, or a missing file).
        let answered = try next(caller, id: "ocr")
        #expect(answered["error"]?["code"] != .int(-32003), "\(answered)")
    }

    @Test func denyAndTimeoutAnswer32003AndTheConnectionKeepsServing() throws {
        let (running, port) = try daemon(timeout: .milliseconds(300))
        defer { running.shutdown() }
        let caller = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        let host = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { caller.close(); host.close() }
        try send(caller, "t", "messages.send", #"{"recipient":"x","body":"y"}"#)
        let timedOut = try next(caller, id: "t")
        #expect(timedOut["error"]?["code"] == -32003)
        try send(caller, "p", "server.ping", "null")
        #expect(try next(caller, id: "p")["result"] == .object([:]))

        try send(host, "hs", "server.handshake", #"{"protocol_version":3}"#)
        _ = try next(host, id: "hs")
        try send(host, "sub", "host.subscribe", "{}")
        _ = try next(host, id: "sub")
        try send(caller, "d", "mail.send", #"{"to":"a@example.com"}"#)
        let requested = try next(host, method: "host.event")
        let approval = try #require(requested["params"]?["payload"]?["id"]?.stringValue)
        try send(host, "no", "host.resolve_approval", #"{"approval_id":"\#(approval)","resolution":"deny"}"#)
        _ = try next(host, id: "no")
        #expect(try next(caller, id: "d")["error"]?["code"] == -32003)
    }
}

/// Ownership rules and handler deadlines over real sockets.
@Suite("daemon: host ACL and handler deadlines")
struct HostACLTests {
    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String) throws -> JSONValue {
        try DaemonSessionTests.call(client, 1, method, params)
    }

    @Test func onlyTheOwningSessionMutatesItsAgentAndDevice() throws {
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0), state: ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: nil),
            logger: Logger(minimum: .error)))
        let port = try daemon.start().tcpPort
        defer { daemon.shutdown() }
        let owner = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        let other = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { owner.close(); other.close() }
        _ = try call(owner, "host.register_agent", #"{"id":"a1","name":"Builder","kind":"callback"}"#)
        _ = try call(owner, "host.register_device", #"{"id":"d1","name":"Phone","platform":"ios"}"#)
        let refused = try call(other, "host.set_status", #"{"agent_id":"a1","status":"running"}"#)
        #expect(refused["error"]?["code"] == -32002)
        #expect(refused["error"]?["message"]?.stringValue?.contains("agent 'a1' is owned by another session") == true)
        #expect(try call(other, "host.unregister_agent", #"{"agent_id":"a1"}"#)["error"]?["code"] == -32002)
        #expect(try call(other, "host.register_agent", #"{"id":"a1","name":"Thief","kind":"x"}"#)["error"]?["code"] == -32002)
        #expect(try call(other, "host.update_device", #"{"device_id":"d1","status":"gone"}"#)["error"]?["code"] == -32002)
        // Reads stay open to every session.
        #expect(try call(other, "host.agents", "{}")["result"]?[0]?["id"] == "a1")
        #expect(try call(owner, "host.set_status", #"{"agent_id":"a1","status":"running"}"#)["result"]?["status"] == "running")
        // A session's own approval is resolved only by it.
        let approval = try call(owner, "host.request_approval", #"{"title":"Ship?","agent_id":"a1"}"#)
        let id = try #require(approval["result"]?["id"]?.stringValue)
        #expect(try call(owner, "host.agents", "{}")["result"]?[0]?["status"] == "waiting_for_approval")
        let foreign = try call(other, "host.resolve_approval", #"{"approval_id":"\#(id)","approved":true}"#)
        #expect(foreign["error"]?["code"] == -32002)
        #expect(foreign["error"]?["message"]?.stringValue?.contains("raised by another session") == true)
        #expect(try call(owner, "host.resolve_approval", #"{"approval_id":"\#(id)","approved":true}"#)["result"]?["status"] == "approved")
    }

    @Test func aHandlerPastItsDeadlineAnswers32004AndTheConnectionKeepsWorking() throws {
        var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: nil)
        state.handlerTimeout = .milliseconds(300)
        let daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state,
                                                                  logger: Logger(minimum: .error)))
        let port = try daemon.start().tcpPort
        defer { daemon.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { client.close() }
        _ = try call(client, "tools.register", #"[{"name":"slow"}]"#)
        // The proposal waits on a callback this client never answers (the tool timeout is 300 s).
        try client.sendText(#"{"jsonrpc":"2.0","id":"p","method":"proposal.submit","params":{"proposal":{"actions":[{"id":"a","type":"tool_call","tool":"slow"}]}}}"#)
        var reply: JSONValue = .null
        var cancel: JSONValue = .null
        for _ in 0..<10 {
            guard let text = try client.receiveJSONText(timeout: 2) else { break }
            let message = try JSONParser.parse(text)
            if message["id"] == "p" { reply = message }
            if message["method"] == "tools.cancel" { cancel = message }
            if reply != .null && cancel != .null { break }
        }
        #expect(reply["error"]?["code"] == -32004, "\(reply)")
        #expect(reply["error"]?["message"]?.stringValue?.contains("'proposal.submit'") == true)
        // The abandoned callback is called off at the client, so it can stop the work.
        #expect(cancel["params"]?["reason"]?.stringValue?.contains("cancelled") == true, "\(cancel)")
        #expect(try call(client, "server.ping", "null")["result"] == .object([:]))
    }
}
