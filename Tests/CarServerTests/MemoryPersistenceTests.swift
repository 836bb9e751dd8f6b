import CarHandlers
import CarRPC
import CarTestSupport
import Testing
@testable import CarServer

/// Memory that must outlive the daemon: namespace graphs and persisted snapshots, across a
/// stop and a new daemon over the same state root.
@Suite("daemon: memory across restarts")
struct MemoryPersistenceTests {
    private func daemon(root: String) throws -> (CarDaemon, Int) {
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0),
            state: ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: root + "/journals", memoryRoot: root + "/memory"),
            logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String = "null") throws -> JSONValue {
        try DaemonSessionTests.call(client, 1, method, params)
    }

    @Test func aNamespaceGraphAndASnapshotSurviveARestart() throws {
        let root = EchoServer.temporaryDirectory()
        var (first, port) = try daemon(root: root)
        var client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        _ = try call(client, "session.auth", #"{"token":"t","memory_namespace":"proj"}"#)
        #expect(try call(client, "memory.add_fact", #"{"subject":"language","body":"TypeScript"}"#)["result"] == 1)
        #expect(try call(client, "memory.add_fact", #"{"subject":"rule","body":"no implicit any","kind":"constraint"}"#)["result"] == 2)
        #expect(try call(client, "memory.persist", #"{"path":"backup/proj.json"}"#)["result"] == 2)
        client.close()
        first.shutdown()

        (first, port) = try daemon(root: root)
        defer { first.shutdown() }
        client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { client.close() }
        _ = try call(client, "session.auth", #"{"token":"t","memory_namespace":"proj"}"#)
        #expect(try call(client, "memory.fact_count")["result"] == 2, "the namespace graph is reloaded from its snapshot")
        let other = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { other.close() }
        _ = try call(other, "session.auth", #"{"token":"t"}"#)
        // Unbound: the daemon's shared graph, which starts empty at every launch.
        #expect(try call(other, "memory.fact_count")["result"] == 0)
        #expect(try call(other, "memory.load", #"{"path":"backup/proj.json"}"#)["result"] == 2, "the persisted snapshot loads")
        let hits = try call(other, "memory.query", #"{"query":"which language?","k":1}"#)
        #expect(hits["result"]?[0]?["body"] == "TypeScript")
    }

    @Test func theSharedGraphLivesInMemoryOnly() throws {
        // Unlike a namespace's, the shared graph is not logged: a restart starts it empty
        // (memory.persist is how its facts outlive the daemon).
        let root = EchoServer.temporaryDirectory()
        var (running, port) = try daemon(root: root)
        var client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        #expect(try call(client, "memory.add_fact", #"{"subject":"s","body":"shared fact"}"#)["result"] == 1)
        #expect(try call(client, "memory.persist", #"{"path":"shared.json"}"#)["result"] == 1)
        client.close()
        running.shutdown()
        (running, port) = try daemon(root: root)
        defer { running.shutdown() }
        client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { client.close() }
        #expect(try call(client, "memory.fact_count")["result"] == 0)
        #expect(try call(client, "memory.load", #"{"path":"shared.json"}"#)["result"] == 1)
    }
}

/// A session can neither read nor overwrite another namespace's snapshot through the
/// persist/load sandbox (issue 9: `memory.load` read another namespace's graph).
@Suite("daemon: namespace snapshots are out of the sandbox")
struct NamespaceSnapshotSandboxTests {
    @Test func memoryLoadAndPersistOfANamespaceSnapshotAreRefused() throws {
        let root = EchoServer.temporaryDirectory()
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0),
            state: ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: root + "/journals", memoryRoot: root + "/memory"),
            logger: Logger(minimum: .error)))
        let port = try daemon.start().tcpPort
        defer { daemon.shutdown() }
        let owner = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { owner.close() }
        _ = try DaemonSessionTests.call(owner, 1, "session.auth", #"{"token":"t","memory_namespace":"secret"}"#)
        #expect(try DaemonSessionTests.call(owner, 2, "memory.add_fact", #"{"subject":"key","body":"hunter2"}"#)["result"] == 1)

        let thief = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { thief.close() }
        _ = try DaemonSessionTests.call(thief, 1, "session.auth", #"{"token":"t"}"#)
        let load = try DaemonSessionTests.call(thief, 2, "memory.load", #"{"path":"memory-namespaces/secret.json"}"#)
        #expect(load["error"]?["code"] == -32602)
        let message = load["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("'memory-namespaces/secret.json'") && message.contains("memory-namespaces/ holds"), "\(message)")
        #expect(try DaemonSessionTests.call(thief, 3, "memory.fact_count")["result"] == 0)

        let overwrite = try DaemonSessionTests.call(thief, 4, "memory.persist", #"{"path":"memory-namespaces/secret.json"}"#)
        #expect(overwrite["error"]?["code"] == -32602)
        #expect(try DaemonSessionTests.call(owner, 3, "memory.fact_count")["result"] == 1)
    }
}
