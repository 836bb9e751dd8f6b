import CarA2A
import CarHandlers
import CarRPC
import CarTestSupport
import Foundation
import Glibc
import Testing
@testable import CarServer

/// The A2A listeners of an assembled daemon over real sockets: who may start and stop one,
/// the bearer rule with the daemon's token and with peer tokens (`a2a.tokens.*`), the public
/// URL's path, and a shared-runtime listener closing with its connection. (The official SDK
/// client is driven by scripts/a2a/acceptance.py.)
@Suite("daemon: A2A listeners")
struct A2AListenerTests {
    static let authToken = "a2a-test-token"
    static let hostToken = "a2a-test-host-token"

    final class Running: Sendable {
        let daemon: CarDaemon
        let port: Int
        let root: String

        init(authToken: String? = A2AListenerTests.authToken, root: String = EchoServer.temporaryDirectory()) throws {
            self.root = root
            var state = ServerStateConfig(authToken: authToken, hostToken: authToken == nil ? nil : A2AListenerTests.hostToken,
                                          journalDirectory: nil, memoryRoot: root + "/memory")
            state.a2a.tokens = A2AAccessTokens(path: root + "/a2a-tokens.json")
            daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state, logger: Logger(minimum: .error)))
            port = try daemon.start().tcpPort
        }

        /// A WebSocket session: with the daemon's token, the host token, or (auth off) none.
        func connect(host: Bool = false) throws -> WebSocketTestClient {
            let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 10)
            if daemon.state.authEnabled {
                let auth = host ? #"{"host_token":"\#(A2AListenerTests.hostToken)"}"# : #"{"token":"\#(A2AListenerTests.authToken)"}"#
                #expect(try A2AListenerTests.call(client, "session.auth", auth)["result"]?["ok"] == true)
            }
            return client
        }

        func stop() { daemon.shutdown() }
    }

    static func call(_ client: WebSocketTestClient, _ method: String, _ params: String = "{}") throws -> JSONValue {
        try client.sendText(#"{"jsonrpc":"2.0","id":"\#(method)","method":"\#(method)","params":\#(params)}"#)
        return try JSONParser.parse(try #require(try client.receiveJSONText(timeout: 10), "no answer to \(method)"))
    }

    /// `a2a.start` on a free loopback port; the port it bound.
    static func start(_ client: WebSocketTestClient, _ extra: String = "") throws -> Int {
        let reply = try call(client, "a2a.start", #"{"bind":"127.0.0.1:0"\#(extra)}"#)
        let bound = try #require(reply["result"]?["bound"]?.stringValue, "\(reply)")
        return try #require(Int(bound.split(separator: ":").last ?? ""))
    }

    static let getTask = #"{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"no-such-task"}}"#

    /// A JSON-RPC POST to the listener: the HTTP status and the parsed answer.
    static func post(_ port: Int, path: String = "/", bearer: String?, _ body: String = getTask) throws -> (Int, JSONValue, String?) {
        let http = try HTTPTestClient(port: port, timeout: 10)
        defer { http.close() }
        var headers = [("Content-Type", "application/json"), ("A2A-Version", "1.0")]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        let response = try http.request("POST", path, headers: headers, body: body)
        return (response.status, try JSONParser.parse(response.text), response.header("www-authenticate"))
    }

    @Test func theBearerIsTheDaemonsTokenOrAnIssuedPeerTokenUntilItIsRevoked() throws {
        let running = try Running()
        defer { running.stop() }
        let session = try running.connect()
        defer { session.close() }
        let host = try running.connect(host: true)
        defer { host.close() }
        let port = try Self.start(session)

        // The card is public and names the bearer scheme.
        let card = try HTTPTestClient(port: port, timeout: 10)
        let served = try card.request("GET", A2AHTTPEndpoint.cardPath)
        card.close()
        #expect(served.status == 200)
        #expect(served.text.contains("\"bearer\""), "\(served.text)")

        let (missing, refusal, challenge) = try Self.post(port, bearer: nil)
        #expect(missing == 401)
        #expect(challenge == "Bearer realm=\"car-server\"")
        #expect(refusal["error"]?["message"]?.stringValue?.contains("a2a.tokens.issue") == true, "\(refusal)")
        let (wrong, _, wrongChallenge) = try Self.post(port, bearer: "not-a-token")
        #expect(wrong == 401 && wrongChallenge?.contains("invalid_token") == true)
        let (daemon, answer, _) = try Self.post(port, bearer: Self.authToken)
        #expect(daemon == 200 && answer["error"]?["code"] == -32001, "\(answer)")

        // Only a host-role session issues peer tokens; the secret is in that answer alone.
        let notHost = try Self.call(session, "a2a.tokens.issue", #"{"label":"peer-b"}"#)
        #expect(notHost["error"]?["message"]?.stringValue?.hasPrefix("host role required") == true, "\(notHost)")
        let issued = try Self.call(host, "a2a.tokens.issue", #"{"label":"peer-b"}"#)["result"]
        let secret = try #require(issued?["token"]?.stringValue)
        let id = try #require(issued?["id"]?.stringValue)
        #expect(secret.hasPrefix("car_a2a_") && secret.count == 8 + 64)
        let (peer, peerAnswer, _) = try Self.post(port, bearer: secret)
        #expect(peer == 200 && peerAnswer["error"]?["code"] == -32001, "\(peerAnswer)")
        let listed = try Self.call(host, "a2a.tokens.list")
        #expect(listed["result"]?["tokens"] == [["id": .string(id), "label": "peer-b", "createdAt": try #require(issued?["createdAt"])]])
        #expect(!JSONWriter.string(listed).contains(secret))

        // A peer token opens A2A and nothing else.
        let stranger = try WebSocketTestClient(tcpHost: "127.0.0.1", port: running.port, timeout: 10)
        defer { stranger.close() }
        #expect(try Self.call(stranger, "session.auth", #"{"token":"\#(secret)"}"#)["error"]?["message"] == "auth failed: token mismatch")

        // Kept 0600 beside the other state; revoked, it is refused at once.
        var info = stat()
        #expect(stat(running.root + "/a2a-tokens.json", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try Self.call(host, "a2a.tokens.revoke", #"{"id":"\#(id)"}"#)["result"]?["revoked"] == true)
        #expect(try Self.post(port, bearer: secret).0 == 401)
        #expect(try Self.call(host, "a2a.tokens.revoke", #"{"id":"\#(id)"}"#)["result"]?["revoked"] == false)
    }

    static func sendTool(_ tool: String, _ parameters: String) -> String {
        #"{"jsonrpc":"2.0","id":2,"method":"SendMessage","params":{"message":{"messageId":"m-\#(tool)","role":"ROLE_USER","parts":[{"data":{"tool":"\#(tool)","parameters":\#(parameters)}}]}}}"#
    }

    @Test func aPeerTokenRunsNoFileToolAndSeesNoTaskButItsOwn() throws {
        let running = try Running()
        defer { running.stop() }
        let session = try running.connect()
        defer { session.close() }
        let host = try running.connect(host: true)
        defer { host.close() }
        let port = try Self.start(session)
        let secret = try #require(try Self.call(host, "a2a.tokens.issue", #"{"label":"peer"}"#)["result"]?["token"]?.stringValue)

        let hostToken = running.root + "/host-token-copy"
        #expect(FileManager.default.createFile(atPath: hostToken, contents: Data(Self.hostToken.utf8)))
        let (_, read, _) = try Self.post(port, bearer: secret, Self.sendTool("read_file", #"{"path":"\#(hostToken)"}"#))
        #expect(read["result"]?["task"]?["status"]?["state"] == "TASK_STATE_FAILED", "\(read)")
        #expect(!JSONWriter.string(read).contains(Self.hostToken))
        #expect(JSONWriter.string(read).contains("not offered to peers"))
        let (_, sum, _) = try Self.post(port, bearer: secret, Self.sendTool("calculate", #"{"expression":"6*7"}"#))
        #expect(sum["result"]?["task"]?["artifacts"]?[0]?["parts"]?[0]?["data"]?["result"] == 42, "\(sum)")

        // The daemon's side made a task the peer cannot see; the peer's list holds its two.
        let (_, mine, _) = try Self.post(port, bearer: Self.authToken, Self.sendTool("calculate", #"{"expression":"1+1"}"#))
        let daemonTask = try #require(mine["result"]?["task"]?["id"]?.stringValue)
        let (_, hidden, _) = try Self.post(port, bearer: secret, #"{"jsonrpc":"2.0","id":3,"method":"GetTask","params":{"id":"\#(daemonTask)"}}"#)
        #expect(hidden["error"]?["code"] == -32001, "\(hidden)")
        let (_, listed, _) = try Self.post(port, bearer: secret, #"{"jsonrpc":"2.0","id":4,"method":"ListTasks","params":{}}"#)
        #expect(listed["result"]?["totalSize"] == 2, "\(listed)")
    }

    @Test func theA2ABindFlagTakesLocalhostAndNeedsAuthBeyondLoopback() throws {
        #expect(try DashboardTests.options(["--a2a-bind", "localhost:9400"]).a2aBind == .address(host: "127.0.0.1", port: 9400))
        #expect(try DashboardTests.options(["--a2a-bind", "0.0.0.0:9400"]).a2aBind == .address(host: "0.0.0.0", port: 9400))
        #expect(throws: DaemonOptions.UsageError.self) { try DashboardTests.options(["--no-auth", "--a2a-bind", "0.0.0.0:9400"]) }
        #expect(throws: DaemonOptions.UsageError.self) { try DashboardTests.options(["--a2a-bind", "0.0.0.0:9400"], ["CAR_NO_AUTH": "1"]) }
        #expect(try DashboardTests.options(["--no-auth", "--a2a-bind", "[::1]:9400"]).a2aBind == .address(host: "::1", port: 9400))
    }

    @Test func issuedTokensSurviveARestartAndABrokenFileIsNeverOverwritten() throws {
        let root = EchoServer.temporaryDirectory()
        var secret = ""
        do {
            let running = try Running(root: root)
            defer { running.stop() }
            let host = try running.connect(host: true)
            defer { host.close() }
            secret = try #require(try Self.call(host, "a2a.tokens.issue", #"{"label":"kept"}"#)["result"]?["token"]?.stringValue)
        }
        do {
            let running = try Running(root: root)
            defer { running.stop() }
            let session = try running.connect()
            defer { session.close() }
            let port = try Self.start(session)
            #expect(try Self.post(port, bearer: secret).0 == 200)
        }
        let path = root + "/a2a-tokens.json"
        let broken = Array("{\"tokens\": [".utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(broken)))
        let running = try Running(root: root)
        defer { running.stop() }
        let host = try running.connect(host: true)
        defer { host.close() }
        #expect(try Self.call(host, "a2a.tokens.list")["result"]?["problem"]?.stringValue?.contains(path) == true)
        let refused = try Self.call(host, "a2a.tokens.issue", #"{"label":"new"}"#)
        #expect(refused["error"]?["code"] == -32603 && refused["error"]?["message"]?.stringValue?.contains("repair or remove") == true)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == broken)
    }

    @Test func withAuthOffThereAreNoTokensToIssueAndNothingBeyondLoopback() throws {
        let running = try Running(authToken: nil)
        defer { running.stop() }
        let session = try running.connect()
        defer { session.close() }
        #expect(try Self.call(session, "a2a.tokens.issue", #"{"label":"x"}"#)["error"]?["code"] == -32600)
        let wide = try Self.call(session, "a2a.start", #"{"bind":"0.0.0.0:0","allow_non_loopback_bind":true}"#)
        #expect(wide["error"]?["code"] == -32602 && wide["error"]?["message"]?.stringValue?.contains("--no-auth") == true, "\(wide)")
        // A name that only starts like a loopback address is not one.
        #expect(try Self.call(session, "a2a.start", #"{"bind":"127.example.com:0"}"#)["error"]?["code"] == -32602)
    }

    @Test func servingBeyondLoopbackNeedsAHostRoleSession() throws {
        let running = try Running()
        defer { running.stop() }
        let session = try running.connect()
        defer { session.close() }
        let refused = try Self.call(session, "a2a.start", #"{"bind":"0.0.0.0:0","allow_non_loopback_bind":true}"#)
        #expect(refused["error"]?["code"] == -32002 && refused["error"]?["message"]?.stringValue?.contains("host-role") == true, "\(refused)")
        #expect(try Self.call(session, "a2a.status")["result"]?["running"] == false)
    }

    @Test func anUnknownMethodIsEchoedCutShort() throws {
        let running = try Running()
        defer { running.stop() }
        let session = try running.connect()
        defer { session.close() }
        let port = try Self.start(session)
        let long = String(repeating: "é", count: 5_000)
        let (status, answer, _) = try Self.post(port, bearer: Self.authToken, #"{"jsonrpc":"2.0","id":9,"method":"\#(long)","params":{}}"#)
        let message = try #require(answer["error"]?["message"]?.stringValue)
        #expect(status == 200 && answer["error"]?["code"] == -32601)
        #expect(message.utf8.count <= "Method not found: ".utf8.count + 100 + "…".utf8.count, "\(message.utf8.count) bytes")
    }

    @Test func thePublicURLsPathServesTheInterfaceAndItsCard() throws {
        let running = try Running()
        defer { running.stop() }
        let session = try running.connect()
        defer { session.close() }
        let port = try Self.start(session, #","public_url":"https://agents.example/teams/car""#)
        let (status, answer, _) = try Self.post(port, path: "/teams/car", bearer: Self.authToken)
        #expect(status == 200 && answer["error"]?["code"] == -32001, "\(answer)")
        let http = try HTTPTestClient(port: port, timeout: 10)
        defer { http.close() }
        let card = try http.request("GET", "/teams/car" + A2AHTTPEndpoint.cardPath)
        #expect(card.status == 200 && card.text.contains("https://agents.example/teams/car"), "\(card.text)")
        #expect(try http.request("GET", "/elsewhere").status == 404)
        #expect(try Self.call(session, "a2a.stop")["result"]?["stopped"] == true)
        #expect(try Self.call(session, "a2a.start", #"{"bind":"127.0.0.1:0","public_url":"ftp://x/"}"#)["error"]?["code"] == -32602)
    }

    @Test func aSharedRuntimeListenerClosesWithItsConnection() throws {
        let running = try Running()
        defer { running.stop() }
        let owner = try running.connect()
        let port = try Self.start(owner, #","share_session_runtime":true"#)
        let watcher = try running.connect()
        defer { watcher.close() }
        #expect(try Self.call(watcher, "a2a.stop")["error"]?["code"] == -32002)
        owner.close()
        let deadline = Date().addingTimeInterval(20)
        var closed = false
        while Date() < deadline, !closed {
            closed = (try? HTTPTestClient(port: port, timeout: 1)) == nil
                && (try? Self.call(watcher, "a2a.status")["result"]?["running"]) == false
            if !closed { usleep(50_000) }
        }
        #expect(closed, "the listener on \(port) outlived its connection")
        // The port is free again: another start may take it.
        #expect(try Self.call(watcher, "a2a.start", #"{"bind":"127.0.0.1:\#(port)"}"#)["result"]?["bound"] != nil)
    }
}
