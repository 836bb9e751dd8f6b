import CarHandlers
import CarRPC
import CarTestSupport
import Dispatch
import Foundation
import Testing
@testable import CarServer

/// `agents.register_basics` over real sockets: the built-in tools run in the daemon, never as a
/// `tools.execute` callback, and the mutating ones wait for a person's approval.
@Suite("daemon: built-in agent tools")
struct AgentBasicsTests {
    private func daemon(approvals: Bool = true, timeout: Duration = .seconds(5)) throws -> (CarDaemon, Int) {
        var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: nil)
        state.approvalGate.enabled = approvals
        state.approvalGate.timeout = timeout
        let daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state,
                                                                  logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    private func send(_ client: WebSocketTestClient, _ id: String, _ method: String, _ params: String) throws {
        try client.sendText(#"{"jsonrpc":"2.0","id":"\#(id)","method":"\#(method)","params":\#(params)}"#)
    }

    /// The reply with this id (or the next notification of this method), and every message
    /// skipped on the way.
    private func next(_ client: WebSocketTestClient, id: String? = nil, method: String? = nil,
                      timeout: Double = 10) throws -> (JSONValue, skipped: [JSONValue]) {
        var skipped: [JSONValue] = []
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard let text = try client.receiveJSONText(timeout: 0.5) else { continue }
            let message = try JSONParser.parse(text)
            if let id, message["id"] == .string(id) { return (message, skipped) }
            if let method, message["method"] == .string(method) { return (message, skipped) }
            skipped.append(message)
        }
        throw WebSocketTestClient.ConnectionClosed(code: nil)
    }

    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String) throws -> JSONValue {
        try send(client, "c", method, params)
        return try next(client, id: "c").0
    }

    private static func quoted(_ text: String) -> String {
        JSONWriter.string(.string(text))
    }

    private static func result(_ reply: JSONValue, _ action: String) -> JSONValue? {
        reply["result"]?["results"]?.arrayValue?.first { $0["action_id"] == .string(action) }
    }

    @Test func builtinsRunInTheDaemonAndOtherToolsStillCallBack() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { client.close() }
        let registered = try call(client, "agents.register_basics", "null")
        #expect(registered["result"] == .null && registered["error"] == nil, "\(registered)")
        #expect(try call(client, "agents.register_basics", "null")["result"] == .null, "idempotent")
        _ = try call(client, "tools.register", #"[{"name":"echo"}]"#)
        let listed = try call(client, "tools.list", "null")
        let names = listed["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["calculate", "echo", "edit_file", "find_files", "grep_files", "list_dir", "read_file", "write_file"])
        #expect(listed["result"]?["count"] == 8)
        #expect(listed["result"]?["tools"]?[0]?["parameters"]?["required"] == ["expression"])

        let file = EchoServer.temporaryDirectory() + "/hello.txt"
        try "hello from disk\n".write(toFile: file, atomically: false, encoding: .utf8)
        let proposal = #"{"proposal":{"actions":["#
            + #"{"id":"read","type":"tool_call","tool":"read_file","parameters":{"path":\#(Self.quoted(file))}},"#
            + #"{"id":"calc","type":"tool_call","tool":"calculate","parameters":{"expression":"2*(3+4)"}}]}}"#
        try send(client, "p1", "proposal.submit", proposal)
        let (reply, skipped) = try next(client, id: "p1")
        #expect(skipped.isEmpty, "no tools.execute reached the client: \(skipped)")
        #expect(Self.result(reply, "read")?["status"] == "succeeded", "\(reply)")
        #expect(Self.result(reply, "read")?["output"]?["content"] == "hello from disk\n")
        #expect(Self.result(reply, "calc")?["output"]?["result"] == 14)
        #expect(reply["result"]?["cost"]?["tool_calls"] == 2)

        // A client tool beside them still goes to the client.
        try send(client, "p2", "proposal.submit", #"{"proposal":{"actions":[{"id":"e","type":"tool_call","tool":"echo","parameters":{"x":1}}]}}"#)
        let (callback, _) = try next(client, method: "tools.execute")
        #expect(callback["params"]?["tool"] == "echo")
        try client.sendText(#"{"jsonrpc":"2.0","id":\#(JSONWriter.string(callback["id"] ?? .null)),"result":{"echoed":true}}"#)
        let (echoed, _) = try next(client, id: "p2")
        #expect(Self.result(echoed, "e")?["output"] == ["echoed": true])

        // A client that registers its own tool under a built-in's name gets its callback back.
        _ = try call(client, "tools.register", #"[{"name":"calculate"}]"#)
        try send(client, "p3", "proposal.submit", #"{"proposal":{"actions":[{"id":"c","type":"tool_call","tool":"calculate","parameters":{"expression":"1"}}]}}"#)
        let (own, _) = try next(client, method: "tools.execute")
        #expect(own["params"]?["tool"] == "calculate")
        try client.sendText(#"{"jsonrpc":"2.0","id":\#(JSONWriter.string(own["id"] ?? .null)),"result":{"mine":true}}"#)
        #expect(Self.result(try next(client, id: "p3").0, "c")?["output"] == ["mine": true])
    }

    @Test func refusalsAndBoundsAreToolErrors() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { client.close() }
        // Before register_basics the built-ins are unknown tools.
        try send(client, "p0", "proposal.submit", #"{"proposal":{"actions":[{"id":"r","type":"tool_call","tool":"read_file","parameters":{"path":"/etc/hostname"}}]}}"#)
        #expect(Self.result(try next(client, id: "p0").0, "r")?["status"] == "rejected")
        _ = try call(client, "agents.register_basics", "null")

        let long = String(repeating: "1+", count: 600) + "1"
        let proposal = #"{"proposal":{"actions":["#
            + #"{"id":"missing","type":"tool_call","tool":"read_file","failure_behavior":"skip","max_retries":0,"parameters":{"path":"/nonexistent/car-basics.txt"}},"#
            + #"{"id":"nul","type":"tool_call","tool":"read_file","failure_behavior":"skip","parameters":{"path":"a\u0000b"}},"#
            + #"{"id":"long","type":"tool_call","tool":"calculate","failure_behavior":"skip","parameters":{"expression":"\#(long)"}},"#
            + #"{"id":"names","type":"tool_call","tool":"calculate","failure_behavior":"skip","parameters":{"expression":"exit(1)"}},"#
            + #"{"id":"ok","type":"tool_call","tool":"calculate","parameters":{"expression":"-2^2 + 7 % 4"}}]}}"#
        try send(client, "p1", "proposal.submit", proposal)
        let (reply, skipped) = try next(client, id: "p1")
        #expect(skipped.isEmpty, "\(skipped)")
        #expect(Self.result(reply, "missing")?["status"] == "failed")
        #expect(Self.result(reply, "missing")?["error"]?.stringValue?.contains("No such file or directory") == true, "\(reply)")
        #expect(Self.result(reply, "nul")?["error"]?.stringValue?.contains("NUL") == true)
        #expect(Self.result(reply, "long")?["error"]?.stringValue?.contains("at most 1024 are allowed") == true)
        #expect(Self.result(reply, "names")?["status"] == "failed")
        #expect(Self.result(reply, "ok")?["output"]?["result"] == -1)
        #expect(try call(client, "server.ping", "null")["result"] == .object([:]), "the daemon keeps serving")
    }

    @Test func aMutatingToolWaitsForAPersonsApproval() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let caller = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        let host = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { caller.close(); host.close() }
        _ = try call(host, "server.handshake", #"{"protocol_version":3}"#)
        #expect(try call(host, "host.subscribe", "{}")["result"]?["subscribed"] == true)
        _ = try call(caller, "agents.register_basics", "null")

        let path = EchoServer.temporaryDirectory() + "/approved.txt"
        try send(caller, "w", "proposal.submit",
                 #"{"proposal":{"actions":[{"id":"w","type":"tool_call","tool":"write_file","parameters":{"path":\#(Self.quoted(path)),"content":"yes"}}]}}"#)
        let (requested, _) = try next(host, method: "host.event")
        #expect(requested["params"]?["kind"] == "approval.requested")
        #expect(requested["params"]?["payload"]?["action"] == "tool:write_file")
        let approval = try #require(requested["params"]?["payload"]?["id"]?.stringValue)
        #expect(!FileManager.default.fileExists(atPath: path), "nothing is written before a person decides")
        // The asking connection can never approve its own call.
        let own = try call(caller, "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)
        #expect(own["error"]?["code"] == -32002, "\(own)")
        let resolved = try call(host, "host.resolve_approval", #"{"approval_id":"\#(approval)","approved":true}"#)
        #expect(resolved["result"]?["status"] == "approved")
        let (written, skipped) = try next(caller, id: "w")
        #expect(!skipped.contains { $0["method"] == "tools.execute" })
        #expect(Self.result(written, "w")?["status"] == "succeeded", "\(written)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "yes")

        try send(caller, "e", "proposal.submit",
                 #"{"proposal":{"actions":[{"id":"e","type":"tool_call","tool":"edit_file","max_retries":0,"parameters":{"path":\#(Self.quoted(path)),"old":"yes","new":"no"}}]}}"#)
        var denied: JSONValue = .null
        while true {
            let (event, _) = try next(host, method: "host.event")
            if event["params"]?["kind"] == "approval.requested" { denied = event; break }
        }
        #expect(denied["params"]?["payload"]?["action"] == "tool:edit_file")
        let id = try #require(denied["params"]?["payload"]?["id"]?.stringValue)
        _ = try call(host, "host.resolve_approval", #"{"approval_id":"\#(id)","approved":false}"#)
        let (refused, _) = try next(caller, id: "e")
        #expect(Self.result(refused, "e")?["status"] == "failed")
        #expect(Self.result(refused, "e")?["error"]?.stringValue?.contains("approval denied: edit_file was denied") == true, "\(refused)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "yes", "a denied edit changes nothing")
    }

    @Test func anUnansweredApprovalTimesOutAsAToolError() throws {
        let (running, port) = try daemon(timeout: .milliseconds(300))
        defer { running.shutdown() }
        let caller = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { caller.close() }
        _ = try call(caller, "agents.register_basics", "null")
        let path = EchoServer.temporaryDirectory() + "/never.txt"
        try send(caller, "w", "proposal.submit",
                 #"{"proposal":{"actions":[{"id":"w","type":"tool_call","tool":"write_file","max_retries":0,"parameters":{"path":\#(Self.quoted(path)),"content":"x"}}]}}"#)
        let (reply, _) = try next(caller, id: "w")
        #expect(Self.result(reply, "w")?["error"]?.stringValue?.contains("approval denied: write_file") == true, "\(reply)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func noApprovalsLetsMutatingToolsRunAtOnce() throws {
        let (running, port) = try daemon(approvals: false)
        defer { running.shutdown() }
        let caller = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        defer { caller.close() }
        _ = try call(caller, "agents.register_basics", "null")
        let path = EchoServer.temporaryDirectory() + "/direct.txt"
        try send(caller, "w", "proposal.submit",
                 #"{"proposal":{"actions":[{"id":"w","type":"tool_call","tool":"write_file","parameters":{"path":\#(Self.quoted(path)),"content":"now"}},{"id":"e","type":"tool_call","tool":"edit_file","dependencies":["w"],"parameters":{"path":\#(Self.quoted(path)),"old":"now","new":"then"}}]}}"#)
        let (reply, _) = try next(caller, id: "w")
        #expect(Self.result(reply, "e")?["output"]?["replacements"] == 1, "\(reply)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "then")
    }
}
