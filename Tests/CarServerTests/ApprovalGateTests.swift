import CarHandlers
import CarRPC
import CarTestSupport
import Dispatch
import Testing
@testable import CarServer

/// The approval gate over real sockets: a gated call parks until another connection decides.
@Suite("daemon: approval gate and host events")
struct ApprovalGateTests {
    private func daemon(timeout: Duration = .seconds(5)) throws -> (CarDaemon, Int) {
        var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: nil)
        state.approvalGate.timeout = timeout
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
