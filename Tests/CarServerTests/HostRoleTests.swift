import CarFiles
import CarHandlers
import CarRPC
import CarTestSupport
import Testing
@testable import CarServer

/// The host-management role over real sockets, on the messaging surface (every method there
/// is host-only in the spec): the plain token is refused, the host token is let through, a
/// daemon with no host token lets any session through, and what the host saves survives a
/// restart.
@Suite("daemon: host-management role")
struct HostRoleTests {
    private static let authToken = "plain-token"
    private static let hostToken = "host-token"

    private func daemon(auth: Bool = true, hostToken: String? = HostRoleTests.hostToken, root: String? = nil) throws -> (CarDaemon, Int) {
        var state = ServerStateConfig(authToken: auth ? Self.authToken : nil, hostToken: auth ? hostToken : nil, journalDirectory: nil,
                                      memoryRoot: root.map { $0 + "/memory" })
        state.messagingConfigPath = root.map { $0 + "/messaging.json" }
        let daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state,
                                                                  logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String = "{}") throws -> JSONValue {
        try DaemonSessionTests.call(client, 1, method, params)
    }

    private func connect(_ port: Int, _ auth: String) throws -> WebSocketTestClient {
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        let reply = try call(client, "session.auth", auth)
        #expect(reply["result"]?["ok"] == true, "\(reply)")
        return client
    }

    @Test func thePlainTokenIsRefusedEveryHostOnlyMethodAndTheConnectionStaysUsable() throws {
        let (running, port) = try daemon()
        defer { running.shutdown() }
        let client = try connect(port, #"{"token":"\#(Self.authToken)"}"#)
        defer { client.close() }
        for method in ["messaging.config.get", "messaging.config.set", "messaging.pairing.start", "messaging.pairing.status",
                       "messaging.status", "messaging.test_send"] {
            let refused = try call(client, method)
            #expect(refused["error"]?["code"] == -32603, "\(method): \(refused)")
            let message = refused["error"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("host role required") && message.contains("host_token") && message.contains(method), "\(message)")
        }
        // Refusal is not disconnection, and nothing the refused calls carried was applied.
        #expect(try call(client, "server.ping")["result"] != nil)
        let host = try connect(port, #"{"host_token":"\#(Self.hostToken)"}"#)
        defer { host.close() }
        #expect(try call(host, "messaging.pairing.status")["result"]?["pairing_active"] == false)
    }

    @Test func theHostTokenPathGetsTheRoleAndItsNamespace() throws {
        let (running, port) = try daemon(root: EchoServer.temporaryDirectory())
        defer { running.shutdown() }
        let host = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { host.close() }
        let auth = try call(host, "session.auth", #"{"host_token":"\#(Self.hostToken)","memory_namespace":"desk"}"#)
        #expect(auth["result"]?["role"] == "host")
        #expect(auth["result"]?["memory_namespace"] == "desk")
        let view = try call(host, "messaging.config.get")["result"]
        #expect(view == ["channel": "imessage", "enabled": false, "allowlisted_handles": [], "pairing_active": false])
        // A wrong host token is an auth failure, never a downgrade to the plain session.
        let intruder = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { intruder.close() }
        let wrong = try call(intruder, "session.auth", #"{"host_token":"\#(Self.authToken)"}"#)
        #expect(wrong["error"]?["message"]?.stringValue?.hasPrefix("auth failed") == true, "\(wrong)")
    }

    @Test func withoutAHostTokenTheConnectionIsTheAuthority() throws {
        for (auth, hostToken) in [(false, Optional<String>.none), (true, nil)] {
            let (running, port) = try daemon(auth: auth, hostToken: hostToken)
            defer { running.shutdown() }
            let client = try connect(port, #"{"token":"\#(Self.authToken)"}"#)
            defer { client.close() }
            let started = try call(client, "messaging.pairing.start", #"{"channel":"slack"}"#)
            #expect(started["result"]?["pairing_code"]?.stringValue?.count == 43, "auth \(auth): \(started)")
        }
    }

    @Test func whatTheHostSavesIsOnDiskAndSurvivesARestart() throws {
        let root = EchoServer.temporaryDirectory()
        var (running, port) = try daemon(root: root)
        var host = try connect(port, #"{"host_token":"\#(Self.hostToken)"}"#)
        let saved = try call(host, "messaging.config.set",
                             #"{"channel":"slack","allowlisted_handles":["U1"," U2 ","U1"],"add_handles":["U3"],"remove_handles":["U1"],"slack_channel":"C42"}"#)
        #expect(saved["result"]?["allowlisted_handles"] == ["U2", "U3"], "\(saved)")
        // Turning iMessage on saves the flag, then says why no watcher can run here.
        let enabled = try call(host, "messaging.config.set", #"{"enabled":true}"#)
        #expect(enabled["error"]?["code"] == -32603)
        #expect(enabled["error"]?["message"]?.stringValue?.contains("macOS") == true, "\(enabled)")
        let status = try call(host, "messaging.status")["result"]
        #expect(status?["enabled"] == true && status?["watcher_running"] == false && status?["fda_readable"] == false)
        // Slack tokens need a keychain this platform lacks: refused, and nothing else changed.
        let tokens = try call(host, "messaging.config.set", #"{"channel":"slack","bot_token":"xoxb-1","app_token":"xapp-1","add_handles":["U9"]}"#)
        #expect(tokens["error"]?["message"]?.stringValue?.contains("keychain") == true, "\(tokens)")
        let onDisk = try JSONParser.parse(FileSystem.readWhole(root + "/messaging.json", limit: 1 << 20))
        #expect(onDisk["slack"]?["allowlisted_handles"] == ["U2", "U3"])
        #expect(onDisk["slack"]?["slack_channel"] == "C42")
        #expect(onDisk["imessage"]?["enabled"] == true)
        host.close()
        running.shutdown()

        (running, port) = try daemon(root: root)
        defer { running.shutdown() }
        host = try connect(port, #"{"host_token":"\#(Self.hostToken)"}"#)
        defer { host.close() }
        #expect(try call(host, "messaging.config.get", #"{"channel":"slack"}"#)["result"]?["allowlisted_handles"] == ["U2", "U3"])
        #expect(try call(host, "messaging.config.get")["result"]?["enabled"] == true)
        let probe = try call(host, "messaging.test_send")["result"]
        #expect(probe?["ok"] == false)
        let after = try call(host, "messaging.status")["result"]
        #expect(after?["last_send_ok"] == false && after?["last_error"] == probe?["error"], "\(String(describing: after))")
    }
}
