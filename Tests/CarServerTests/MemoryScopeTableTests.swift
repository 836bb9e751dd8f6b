import CarHandlers
import CarMemory
import CarRPC
import CarTestSupport
import Foundation
import Testing
@testable import CarServer

/// The protocol's memory scope table ("### memory" in websocket-protocol.md) over real
/// sockets: a session bound by `session.auth {memory_namespace}` uses that namespace's graph,
/// one bound by `{agent_id}` its agent's graph, and an unbound one the daemon's single shared
/// graph, unless the daemon runs in the standalone mode (`MemoryMode.perConnection`,
/// `--standalone-memory`), where each unbound connection has a graph of its own.
@Suite("memory scope table over real sockets")
struct MemoryScopeTableTests {
    static let agentID = "scoped-agent"
    static let agentToken = "memory-scope-agent-token-0123456789abcdefghijklmn"
    static let authToken = "memory-scope-token"

    /// A daemon with auth on and one supervised agent (never started: `/bin/true`, restart
    /// never) that a connection can attach as. `mode` nil leaves `ServerStateConfig`'s default.
    private func daemon(_ mode: MemoryMode?) throws -> (daemon: CarDaemon, port: Int, root: String) {
        let root = EchoServer.temporaryDirectory()
        let manifest = root + "/agents.json"
        let entry = #"{"agents":[{"id":"\#(Self.agentID)","name":"Scoped","command":"/bin/true","restart":"never","token":"\#(Self.agentToken)"}]}"#
        _ = FileManager.default.createFile(atPath: manifest, contents: Data(entry.utf8), attributes: [.posixPermissions: 0o600])
        var state = ServerStateConfig(authToken: Self.authToken, hostToken: nil, journalDirectory: nil, memoryRoot: root + "/memory")
        if let mode { state.memoryMode = mode }
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0), state: state, logger: Logger(minimum: .error),
            agents: AgentsConfiguration(manifestPath: manifest, logsDirectory: root + "/logs", runDirectory: root + "/run",
                                        stateRoot: root, environment: [:])))
        return (daemon, try daemon.start().tcpPort, root)
    }

    /// A connection after a successful `session.auth` with `auth` (the daemon token when nil).
    private func connect(_ port: Int, _ auth: String? = nil) throws -> WebSocketTestClient {
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
        let reply = try DaemonSessionTests.call(client, 0, "session.auth", auth ?? #"{"token":"\#(Self.authToken)"}"#)
        #expect(reply["result"]?["ok"] == true, "session.auth \(auth ?? "token"): \(reply)")
        return client
    }

    private func namespaced(_ port: Int, _ name: String) throws -> WebSocketTestClient {
        try connect(port, #"{"token":"\#(Self.authToken)","memory_namespace":"\#(name)"}"#)
    }

    private func asAgent(_ port: Int) throws -> WebSocketTestClient {
        try connect(port, #"{"token":"\#(Self.agentToken)","agent_id":"\#(Self.agentID)"}"#)
    }

    private func result(_ client: WebSocketTestClient, _ method: String, _ params: String = "null") throws -> JSONValue {
        let reply = try DaemonSessionTests.call(client, 1, method, params)
        #expect(reply["error"] == nil, "\(method) \(params): \(reply)")
        return reply["result"] ?? .null
    }

    private func add(_ client: WebSocketTestClient, _ subject: String, _ body: String) throws -> JSONValue {
        try result(client, "memory.add_fact", #"{"subject":"\#(subject)","body":"\#(body)"}"#)
    }

    private func count(_ client: WebSocketTestClient) throws -> JSONValue {
        try result(client, "memory.fact_count")
    }

    /// The bodies a query finds, best first.
    private func bodies(_ client: WebSocketTestClient, _ query: String) throws -> [String] {
        (try result(client, "memory.query", #"{"query":"\#(query)","k":10}"#).arrayValue ?? []).compactMap { $0["body"]?.stringValue }
    }

    private func scopes(_ daemon: CarDaemon) -> [String] {
        daemon.state.sessionIDs.compactMap { daemon.state.session(clientID: $0).map { "\($0.memoryScope)" } }.sorted()
    }

    @Test func theCommandLineDefaultsToTheSharedGraph() throws {
        guard case .run(let plain) = try DaemonOptions.parse([], environment: [:]) else { Issue.record("expected run"); return }
        #expect(!plain.standaloneMemory)
        guard case .run(let flag) = try DaemonOptions.parse(["--standalone-memory"], environment: [:]) else { Issue.record("expected run"); return }
        #expect(flag.standaloneMemory)
        guard case .run(let env) = try DaemonOptions.parse([], environment: ["CAR_STANDALONE_MEMORY": "1"]) else { Issue.record("expected run"); return }
        #expect(env.standaloneMemory)
        // The old flag names the default, and wins over the variable as flags do.
        guard case .run(let old) = try DaemonOptions.parse(["--shared-memory"], environment: ["CAR_STANDALONE_MEMORY": "true"]) else {
            Issue.record("expected run"); return
        }
        #expect(!old.standaloneMemory)
        #expect(DaemonOptions.usage.contains("--standalone-memory") && DaemonOptions.usage.contains("CAR_STANDALONE_MEMORY"))
    }

    @Test func byDefaultUnboundConnectionsShareOneGraph() throws {
        let (running, port, _) = try daemon(nil)
        defer { running.shutdown() }
        let a = try connect(port)
        let b = try connect(port)
        defer { a.close(); b.close() }
        #expect(try add(a, "language", "TypeScript") == 1)
        #expect(try count(b) == 1, "b sees the fact a wrote")
        #expect(try bodies(b, "which language?") == ["TypeScript"])
        #expect(try add(b, "runner", "vitest") == 2, "b's write counts a's fact too")
        #expect(try count(a) == 2)
        #expect(scopes(running) == ["daemonShared", "daemonShared"])

        // persist writes the whole shared graph, whoever asks.
        #expect(try result(a, "memory.persist", #"{"path":"shared/two.json"}"#) == 2)
        // load resets the shared graph for every unbound session, not only the loader's.
        #expect(try add(b, "framework", "React") == 3)
        let c = try connect(port)
        defer { c.close() }
        #expect(try count(c) == 3, "a connection opened later sees the graph as it is")
        #expect(try result(c, "memory.load", #"{"path":"shared/two.json"}"#) == 2)
        #expect(try count(a) == 2 && count(b) == 2, "the load replaced the graph a and b use")
        #expect(try bodies(a, "which framework?").contains("React") == false)
        // A load that fails resets nothing.
        let missing = try DaemonSessionTests.call(b, 2, "memory.load", #"{"path":"shared/no-such.json"}"#)
        #expect(missing["error"]?["code"] == -32602)
        #expect(try count(a) == 2)
        // Skills are part of the graph, so they are shared too.
        _ = try result(a, "skill.ingest", #"{"name":"scaffold","code":"mkdir x","task_keywords":["scaffold"]}"#)
        #expect(try result(b, "skills.list", "{}").arrayValue?.compactMap { $0["name"]?.stringValue } == ["scaffold"])
        // It lives in the daemon: a closed connection takes nothing with it.
        a.close()
        #expect(try count(c) == 2)
    }

    @Test func anEmbeddersEngineIsTheGraphItsClientsUse() throws {
        let engine = MemoryEngine()
        _ = try engine.addFact(subject: "owner", body: "the embedding host", kind: "pattern")
        let (running, port, _) = try daemon(.shared(engine))
        defer { running.shutdown() }
        let client = try connect(port)
        defer { client.close() }
        #expect(try count(client) == 1, "the client sees what the embedder put in")
        #expect(try add(client, "from", "a WebSocket client") == 2)
        #expect(engine.factCount == 2, "the embedder sees what the client wrote: one graph, not two")
    }

    @Test func inTheStandaloneModeEachUnboundConnectionHasItsOwnGraph() throws {
        let (running, port, _) = try daemon(.perConnection)
        defer { running.shutdown() }
        let a = try connect(port)
        let b = try connect(port)
        defer { a.close(); b.close() }
        #expect(try add(a, "language", "TypeScript") == 1)
        #expect(try count(b) == 0, "b must not see a's fact")
        #expect(try bodies(b, "which language?").isEmpty)
        #expect(try add(b, "runner", "vitest") == 1)
        #expect(try count(a) == 1)
        #expect(scopes(running) == ["connection", "connection"])
        // persist and load touch only the connection's own graph.
        #expect(try result(a, "memory.persist", #"{"path":"own/a.json"}"#) == 1)
        #expect(try add(b, "framework", "React") == 2)
        #expect(try result(b, "memory.load", #"{"path":"own/a.json"}"#) == 1)
        #expect(try bodies(b, "which language?") == ["TypeScript"])
        #expect(try count(a) == 1 && count(b) == 1)
        // A new connection starts empty, and a's graph goes with a.
        a.close()
        let c = try connect(port)
        defer { c.close() }
        #expect(try count(c) == 0)
    }

    /// Namespace and agent bindings win over the mode: the same isolation in both.
    @Test(arguments: ["shared", "perConnection"])
    func boundSessionsAreIsolatedFromTheUnboundGraph(_ modeName: String) throws {
        let (running, port, root) = try daemon(modeName == "shared" ? .shared(MemoryEngine()) : .perConnection)
        defer { running.shutdown() }
        let unbound = try connect(port)
        defer { unbound.close() }
        #expect(try add(unbound, "language", "TypeScript") == 1)

        // A namespace: its own graph, neither reading nor growing the unbound one.
        let ns = try namespaced(port, "proj-a")
        defer { ns.close() }
        #expect(try count(ns) == 0, "a namespace must not see the unbound graph")
        #expect(try bodies(ns, "which language?").isEmpty)
        #expect(try add(ns, "language", "Swift") == 1)
        #expect(try count(unbound) == 1)
        #expect(try bodies(unbound, "which language?") == ["TypeScript"])
        // persist writes the namespace's graph only; load there resets only it.
        #expect(try result(ns, "memory.persist", #"{"path":"ns/a.json"}"#) == 1)
        #expect(try result(unbound, "memory.persist", #"{"path":"ns/unbound.json"}"#) == 1)
        #expect(try result(ns, "memory.load", #"{"path":"ns/unbound.json"}"#) == 1)
        #expect(try bodies(ns, "which language?") == ["TypeScript"])
        #expect(try bodies(unbound, "which language?") == ["TypeScript"] && count(unbound) == 1)
        // A second session on the namespace shares its graph.
        let ns2 = try namespaced(port, "proj-a")
        defer { ns2.close() }
        #expect(try count(ns2) == 1)
        // Another namespace is another graph.
        let other = try namespaced(port, "proj-b")
        defer { other.close() }
        #expect(try count(other) == 0)

        // An agent: its own daemon-owned graph, logged under agents/.
        let agent = try asAgent(port)
        defer { agent.close() }
        #expect(try count(agent) == 0, "an agent must not see the unbound graph")
        #expect(try add(agent, "task", "agent's own note") == 1)
        #expect(try count(unbound) == 1 && count(ns) == 1)
        let log = try String(contentsOfFile: root + "/memory/agents/\(Self.agentID).jsonl", encoding: .utf8)
        #expect(log.contains("agent's own note") && !log.contains("TypeScript"))

        let unboundScope = modeName == "shared" ? "daemonShared" : "connection"
        #expect(scopes(running) == [#"agent("\#(Self.agentID)")"#, unboundScope, #"namespace("proj-a")"#, #"namespace("proj-a")"#,
                                    #"namespace("proj-b")"#].sorted())

        // In the shared mode a second unbound connection still meets the first one's graph.
        let late = try connect(port)
        defer { late.close() }
        #expect(try count(late) == (modeName == "shared" ? 1 : 0))
    }

    /// With both given, the namespace decides the memory scope; the agent binding still holds.
    @Test func aNamespaceGivenWithAnAgentIDWins() throws {
        let (running, port, _) = try daemon(nil)
        defer { running.shutdown() }
        let unbound = try connect(port)
        defer { unbound.close() }
        _ = try add(unbound, "language", "TypeScript")
        let agent = try connect(port, #"{"token":"\#(Self.agentToken)","agent_id":"\#(Self.agentID)","memory_namespace":"agent-ns"}"#)
        defer { agent.close() }
        #expect(try count(agent) == 0)
        _ = try add(agent, "task", "in the namespace")
        #expect(try count(unbound) == 1)
        #expect(scopes(running).contains(#"namespace("agent-ns")"#))
    }
}
