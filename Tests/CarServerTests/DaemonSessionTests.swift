import CarGenerated
import CarHandlers
import CarRPC
import CarTestSupport
import CarWebSocket
import Dispatch
import Testing
@testable import CarServer

/// Sessions, auth and server→client calls through the assembled daemon over real sockets.
@Suite("daemon: sessions, auth and callbacks")
struct DaemonSessionTests {
    static let token = "daemon-test-token"
    static let hostToken = "daemon-test-host-token"

    final class RunningDaemon: Sendable {
        let daemon: CarDaemon
        let port: Int

        init(authToken: String? = DaemonSessionTests.token, hostToken: String? = DaemonSessionTests.hostToken) throws {
            daemon = CarDaemon(configuration: DaemonConfiguration(
                transport: TransportConfig(port: 0),
                state: ServerStateConfig(authToken: authToken, hostToken: hostToken,
                                         journalDirectory: EchoServer.temporaryDirectory()),
                logger: Logger(minimum: .error)))
            port = try daemon.start().tcpPort
        }

        func connect() throws -> WebSocketTestClient { try WebSocketTestClient(tcpHost: "127.0.0.1", port: port) }

        func stop() { daemon.shutdown() }
    }

    static func call(_ client: WebSocketTestClient, _ id: Int, _ method: String, _ params: String = "null") throws -> JSONValue {
        try client.sendText(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#)
        let text = try #require(try client.receiveJSONText())
        return try JSONParser.parse(text)
    }

    @Test func wrongTokenIsRefusedAndTheSessionStaysUnauthenticated() throws {
        let running = try RunningDaemon()
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        let refused = try Self.call(client, 0, "session.auth", #"{"token":"nope"}"#)
        #expect(refused["error"]?["code"] == -32603)
        #expect(refused["error"]?["message"] == "auth failed: token mismatch")
        let gated = try Self.call(client, 1, "server.ping")
        #expect(gated["error"]?["code"] == -32001)
        #expect((gated["error"]?["message"]?.stringValue ?? "").hasPrefix("auth required"))
        guard case .close(let code, _)? = try client.receive() else {
            Issue.record("the connection must be closed after -32001")
            return
        }
        #expect(code == CloseCode.policyViolation)
    }

    @Test func hostRoleComesOnlyFromTheHostToken() throws {
        let running = try RunningDaemon()
        defer { running.stop() }
        let plain = try running.connect()
        defer { plain.close() }
        let session = try Self.call(plain, 0, "session.auth", #"{"token":"\#(Self.token)"}"#)
        #expect(session["result"] == ["ok": true, "auth_enabled": true])
        let host = try running.connect()
        defer { host.close() }
        let hosted = try Self.call(host, 0, "session.auth", #"{"host_token":"\#(Self.hostToken)"}"#)
        #expect(hosted["result"]?["role"] == "host")
        let impostor = try running.connect()
        defer { impostor.close() }
        let refused = try Self.call(impostor, 0, "session.auth", #"{"host_token":"\#(Self.token)"}"#)
        #expect(refused["error"]?["code"] == -32603)
    }

    @Test func authDisabledAcceptsAnything() throws {
        let running = try RunningDaemon(authToken: nil, hostToken: nil)
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        #expect(try Self.call(client, 1, "server.ping")["result"] == [:])
        let auth = try Self.call(client, 0, "session.auth", #"{"token":"whatever"}"#)
        #expect(auth["result"] == ["ok": true, "auth_enabled": false])
    }

    @Test func negotiatesV2AndV3PerConnection() throws {
        let running = try RunningDaemon()
        defer { running.stop() }
        for version in [2, 3] {
            let client = try running.connect()
            defer { client.close() }
            _ = try Self.call(client, 0, "session.auth", #"{"token":"\#(Self.token)"}"#)
            let reply = try Self.call(client, 2, "server.handshake", #"{"client_version":"0.x","protocol_version":\#(version)}"#)
            #expect(reply["result"]?["protocol_version"] == .int(Int64(version)))
            #expect(reply["result"]?["client_protocol_version"] == .int(Int64(version)))
            #expect(reply["result"]?["server_version"] == .string(CarSpecInfo.serverVersion))
            #expect(reply["result"]?["implementation"] == .string(CarSpecInfo.implementationName))
            #expect(reply["result"]?["implementation_version"] == .string(CarSpecInfo.implementationVersion))
        }
        let client = try running.connect()
        defer { client.close() }
        _ = try Self.call(client, 0, "session.auth", #"{"token":"\#(Self.token)"}"#)
        for params in [#"{"protocol_version":99}"#, #"{"protocol_version":"3"}"#, #"{}"#] {
            let reply = try Self.call(client, 2, "server.handshake", params)
            #expect(reply["error"]?["code"] == -32006, "\(params) → \(reply)")
        }
    }

    @Test func answersEveryPipelinedRequestByID() throws {
        let running = try RunningDaemon(authToken: nil, hostToken: nil)
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        for id in 0..<200 { try client.sendText(#"{"jsonrpc":"2.0","id":\#(id),"method":"server.ping","params":null}"#) }
        var seen = Set<Int64>()
        for _ in 0..<200 {
            let reply = try JSONParser.parse(try #require(try client.receiveJSONText()))
            #expect(reply["result"] == [:])
            if let id = reply["id"]?.intValue { seen.insert(id) }
        }
        #expect(seen == Set(0..<200))
    }

    @Test func removesEverySessionWhenItsConnectionGoes() throws {
        let running = try RunningDaemon()
        defer { running.stop() }
        for round in 0..<20 {
            let clients = try (0..<50).map { _ in try running.connect() }
            for client in clients {
                _ = try Self.call(client, 0, "session.auth", #"{"token":"\#(Self.token)"}"#)
            }
            #expect(running.daemon.state.sessionCount >= 50, "round \(round)")
            for (index, client) in clients.enumerated() {
                if index % 2 == 0 { client.close() } else { client.dropConnection() }
            }
        }
        #expect(EchoServer.eventually { running.daemon.state.sessionCount == 0 && running.daemon.connectionCount == 0 })
    }

    @Test func routesTheClientsAnswerToTheWaitingServerCall() async throws {
        let running = try RunningDaemon(authToken: nil, hostToken: nil)
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        #expect(try Self.call(client, 1, "server.ping")["result"] == [:])
        let session = try #require(running.daemon.state.sessionIDs.first.flatMap { running.daemon.state.session(clientID: $0) })
        let proxy = CarClientProxy(peer: session.peer)
        let request = CarSchemas.ToolExecuteRequest(actionId: "a1", attempt: 1, parameters: ["q": "x"], requestId: "cb-1",
                                                     timeoutMs: nil, tool: "search")
        // The calls run on a loop of their own: the cooperative pool may be busy with other
        // suites' blocking socket reads, and this test must not depend on it.
        let executor = EventLoop(name: "callback-test")
        defer { executor.shutdown() }
        let answer = Task(executorPreference: executor) { try await proxy.toolsExecute(request) }
        let sent = try JSONParser.parse(try #require(try await Self.offThePool { try client.receiveJSONText() }))
        #expect(sent["method"] == "tools.execute")
        #expect(sent["id"] == "cb-1")
        #expect(sent["params"]?["tool"] == "search")
        #expect(sent["params"]?["timeout_ms"] == .null, "timeout_ms is required-nullable on the wire")
        try client.sendText(#"{"jsonrpc":"2.0","id":"cb-1","result":{"hits":3}}"#)
        #expect(try await answer.value == ["hits": 3])

        // A pending call fails at once when the client goes away.
        let orphan = Task(executorPreference: executor) { try await proxy.toolsExecute(request) }
        _ = try await Self.offThePool { try client.receiveJSONText() }
        client.dropConnection()
        await #expect(throws: PeerError.self) { _ = try await orphan.value }
    }

    /// Blocking socket reads must not occupy the cooperative pool: on a 2-core machine its
    /// threads may be all that could run the task whose frame the read is waiting for.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
