import CarHandlers
import CarRPC
import CarTestSupport
import Dispatch
import Foundation
import Glibc
import Testing
@testable import CarServer

/// `agent.chat.event` keeps the agent's order on the way to the host whichever way the daemon
/// reads each frame: inline on the loop, as a task behind a request still running on the agent's
/// connection, or on the compute pool for a message over 256 KiB.
@Suite("daemon: chat relay order")
struct ChatRelayOrderTests {
    static let agentToken = "chat-order-agent-token-0123456789abcdefghijklmnop"

    private func daemon() throws -> (CarDaemon, Int) {
        let root = EchoServer.temporaryDirectory()
        let manifest = root + "/agents.json"
        let entry = #"{"agents":[{"id":"orderly","name":"Orderly","command":"/bin/true","restart":"never","token":"\#(Self.agentToken)"}]}"#
        FileManager.default.createFile(atPath: manifest, contents: Data(entry.utf8), attributes: [.posixPermissions: 0o600])
        let state = ServerStateConfig(authToken: "order-token", hostToken: "order-host-token", journalDirectory: nil,
                                      memoryRoot: root + "/memory")
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0), state: state, logger: Logger(minimum: .error),
            agents: AgentsConfiguration(manifestPath: manifest, logsDirectory: root + "/logs", runDirectory: root + "/run",
                                        stateRoot: root, environment: [:])))
        return (daemon, try daemon.start().tcpPort)
    }

    private func connect(_ port: Int, _ auth: String) throws -> WebSocketTestClient {
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        try client.sendText(#"{"jsonrpc":"2.0","id":"auth","method":"session.auth","params":\#(auth)}"#)
        let reply = try JSONParser.parse(try #require(try client.receiveJSONText(timeout: 10)))
        #expect(reply["result"]?["ok"] == true, "\(auth): \(reply)")
        return client
    }

    private func next(_ client: WebSocketTestClient) throws -> JSONValue {
        try JSONParser.parse(try #require(try client.receiveJSONText(timeout: 10), "nothing arrived"))
    }

    private func event(_ session: String, _ kind: String, _ delta: String) -> String {
        #"{"jsonrpc":"2.0","method":"agent.chat.event","params":{"session_id":"\#(session)","kind":"\#(kind)","delta":\#(JSONWriter.string(.string(delta)))}}"#
    }

    @Test func eventsKeepTheirOrderInlineBehindATaskAndThroughThePool() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let agent = try connect(port, #"{"token":"\#(Self.agentToken)","agent_id":"orderly"}"#)
        defer { agent.close() }
        let host = try connect(port, #"{"token":"order-token"}"#)
        defer { host.close() }

        try host.sendText(#"{"jsonrpc":"2.0","id":"chat","method":"agents.chat","params":{"agent_id":"orderly","prompt":"go","session_id":"s-order"}}"#)
        #expect(try next(host)["result"] == ["accepted": true, "session_id": "s-order"])
        let turn = try next(agent)
        #expect(turn["method"] == "agent.chat" && turn["params"]?["session_id"] == "s-order", "\(turn)")
        try agent.sendText(#"{"jsonrpc":"2.0","id":\#(JSONWriter.string(try #require(turn["id"]))),"result":{"accepted":true}}"#)

        // A request that keeps running on the agent's connection: events behind it take the
        // task path until it ends.
        try agent.sendText(#"{"jsonrpc":"2.0","id":"wait","method":"agents.wait","params":{"id":"orderly","targets":["running"],"timeout_secs":0.5}}"#)
        let large = String(repeating: "x", count: 300 << 10)
        var sent: [String] = []
        for i in 0..<60 {
            let delta = i % 20 == 7 ? "\(i):" + large : "\(i)"
            sent.append(delta)
            try agent.sendText(event("s-order", "token", delta))
        }
        try agent.sendText(event("s-order", "done", "end"))

        var received: [String] = []
        while true {
            let message = try next(host)
            #expect(message["method"] == "agents.chat.event", "\(message)")
            let params = try #require(message["params"])
            #expect(params["agent_id"] == "orderly" && params["session_id"] == "s-order")
            if params["kind"] == "done" { break }
            received.append(params["delta"]?.stringValue ?? "")
        }
        #expect(received.count == sent.count)
        #expect(received == sent, "first difference at \(Array(zip(received, sent)).firstIndex { $0.0 != $0.1 } ?? -1)")
    }

    /// The agent's requests, in arrival order, as "method session_id"; acks each agent.chat.
    private func agentRequests(_ agent: WebSocketTestClient, count: Int) throws -> [String] {
        var seen: [String] = []
        while seen.count < count {
            let message = try next(agent)
            guard let method = message["method"]?.stringValue, let id = message["id"] else { continue }
            seen.append("\(method) \(message["params"]?["session_id"]?.stringValue ?? "?")")
            let result = method == "agent.chat" ? #"{"accepted":true}"# : "{}"
            try agent.sendText(#"{"jsonrpc":"2.0","id":\#(JSONWriter.string(id)),"result":\#(result)}"#)
        }
        return seen
    }

    @Test func theAgentHearsOfATurnBeforeItsCancelAndOfTheOldTurnsCancelBeforeTheNewTurn() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let agent = try connect(port, #"{"token":"\#(Self.agentToken)","agent_id":"orderly"}"#)
        defer { agent.close() }
        let host = try connect(port, #"{"token":"order-token"}"#)
        defer { host.close() }
        for round in 0..<40 {
            // Pipelined: a turn, the same session id again, then a cancel of it.
            let chat = #"{"jsonrpc":"2.0","id":"c","method":"agents.chat","params":{"agent_id":"orderly","prompt":"p","session_id":"s-\#(round)"}}"#
            try host.sendText(chat)
            try host.sendText(chat)
            try host.sendText(#"{"jsonrpc":"2.0","id":"x","method":"agents.chat.cancel","params":{"session_id":"s-\#(round)"}}"#)
            let seen = try agentRequests(agent, count: 4)
            #expect(seen == ["agent.chat s-\(round)", "agent.chat.cancel s-\(round)", "agent.chat s-\(round)", "agent.chat.cancel s-\(round)"],
                    "round \(round)")
            for _ in 0..<3 { _ = try next(host) }
        }
    }

    @Test func aHostRoleCancelTellsTheTurnsOwnHostAndAClosedHostLeavesNoTurn() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let agent = try connect(port, #"{"token":"\#(Self.agentToken)","agent_id":"orderly"}"#)
        defer { agent.close() }
        let owner = try connect(port, #"{"token":"order-token"}"#)
        defer { owner.close() }
        try owner.sendText(#"{"jsonrpc":"2.0","id":"c","method":"agents.chat","params":{"agent_id":"orderly","prompt":"p","session_id":"mine"}}"#)
        _ = try next(owner)
        _ = try agentRequests(agent, count: 1)
        let admin = try connect(port, #"{"host_token":"order-host-token"}"#)
        defer { admin.close() }
        try admin.sendText(#"{"jsonrpc":"2.0","id":"x","method":"agents.chat.cancel","params":{"session_id":"mine"}}"#)
        #expect(try next(admin)["result"] == ["cancelled": true, "session_id": "mine"])
        let told = try next(owner)
        #expect(told["params"]?["kind"] == "error" && told["params"]?["delta"]?["reason"] == "cancelled", "\(told)")

        // Connections that go while their agents.chat waits behind a slower session.auth.
        for round in 0..<30 {
            let gone = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
            try gone.sendText(#"{"jsonrpc":"2.0","id":"a","method":"session.auth","params":{"token":"order-token","memory_namespace":"ns-\#(round)"}}"#)
            try gone.sendText(#"{"jsonrpc":"2.0","id":"c","method":"agents.chat","params":{"agent_id":"orderly","prompt":"p","session_id":"gone-\#(round)"}}"#)
            gone.dropConnection()
        }
        var left = -1
        for _ in 0..<100 {
            try admin.sendText(#"{"jsonrpc":"2.0","id":"s","method":"agents.chat.status","params":null}"#)
            left = try next(admin)["result"]?["sessions"]?.arrayValue?.count ?? -1
            if left == 0 { break }
            usleep(20_000)
        }
        #expect(left == 0, "turns of closed connections must not stay in flight")
    }

    @Test func aStatusReaderNeedsTheHostRoleAndSeesTheCounters() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let plain = try connect(port, #"{"token":"order-token"}"#)
        defer { plain.close() }
        try plain.sendText(event("nobody", "token", "stray"))
        try plain.sendText(event("nobody", "weird", "stray"))
        try plain.sendText(#"{"jsonrpc":"2.0","id":"s","method":"agents.chat.status","params":null}"#)
        let refused = try next(plain)
        #expect(refused["error"]?["code"] == -32603 && (refused["error"]?["message"]?.stringValue ?? "").contains("host_token"), "\(refused)")
        let host = try connect(port, #"{"host_token":"order-host-token"}"#)
        defer { host.close() }
        try host.sendText(#"{"jsonrpc":"2.0","id":"s","method":"agents.chat.status","params":null}"#)
        let status = try next(host)
        #expect(status["result"]?["dropped"]?["unknown_session"] == 2, "an event for no turn is unknown_session, whatever its kind: \(status)")
        #expect(status["result"]?["sessions"] == [])
    }
}
