import CarGenerated
import CarHandlers
import CarHost
import CarRPC
import CarTestSupport
import Testing
@testable import CarServer

/// Byte caps on host state and the daemon's event kinds, over real sockets: what a hostile
/// client once stored (300 × 1 MiB notifications) or forged (`approval.resolved`) is refused
/// with -32602 naming the field, and nothing refused reaches a subscriber or the event log.
@Suite("daemon: host-state byte caps and forged events")
struct HostStateBoundsTests {
    private func daemon() throws -> CarDaemon {
        CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0), state: ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: nil),
            logger: Logger(minimum: .error)))
    }

    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String) throws -> JSONValue {
        try DaemonSessionTests.call(client, 1, method, params)
    }

    private static let mebibyte = String(repeating: "x", count: 1 << 20)

    @Test func oversizedAndForgedNotificationsAreRefusedAndNeverBroadcast() throws {
        let running = try daemon()
        let port = try running.start().tcpPort
        defer { running.shutdown() }
        let subscriber = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { subscriber.close(); client.close() }
        _ = try call(subscriber, "server.handshake", #"{"protocol_version":3}"#)
        #expect(try call(subscriber, "host.subscribe", "{}")["result"]?["subscribed"] == true)

        for (field, params) in [
            ("message", #"{"message":"\#(Self.mebibyte)"}"#),
            ("payload", #"{"payload":{"blob":"\#(Self.mebibyte)"}}"#),
            ("kind", #"{"kind":"\#(String(repeating: "k", count: 4096))"}"#),
            ("agent_id", #"{"agent_id":"\#(String(repeating: "a", count: 4096))"}"#),
        ] {
            let refused = try call(client, "host.notify", params)
            #expect(refused["error"]?["code"] == -32602, "\(field)")
            #expect(refused["error"]?["message"]?.stringValue?.hasPrefix("invalid params: \(field) is ") == true,
                    "\(String(describing: refused["error"]?["message"]))")
        }
        for kind in ["approval.resolved", "agent.status_changed", "device.unregistered"] {
            let forged = try call(client, "host.notify", #"{"kind":"\#(kind)","payload":{"id":"x","status":"approved"}}"#)
            #expect(forged["error"]?["code"] == -32602, "\(kind)")
            #expect(forged["error"]?["message"]?.stringValue?.contains("'\(kind)' is a daemon event kind") == true)
        }
        // A legitimate notification, the reference's default kind or its own, is delivered as sent.
        let note = try call(client, "host.notify", #"{"message":"build finished","payload":{"target_device_id":"phone"}}"#)
        #expect(note["result"]?["kind"] == "host.notification")
        #expect(try call(client, "host.notify", #"{"kind":"build.finished"}"#)["result"]?["kind"] == "build.finished")

        // The subscriber saw exactly those two, and the log holds nothing else.
        var kinds: [String] = []
        while let text = try subscriber.receiveJSONText(timeout: 0.5) {
            let message = try JSONParser.parse(text)
            if message["method"] == "host.event", let kind = message["params"]?["kind"]?.stringValue { kinds.append(kind) }
        }
        #expect(kinds == ["host.notification", "build.finished"])
        let events = try call(client, "host.events", "{}")["result"]?["events"]?.arrayValue ?? []
        #expect(events.compactMap { $0["kind"]?.stringValue } == ["host.notification", "build.finished"])
    }

    @Test func agentAndDeviceFieldsAndEachConnectionsTotalAreCapped() throws {
        let running = try daemon()
        let port = try running.start().tcpPort
        defer { running.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        let other = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { client.close(); other.close() }
        let name = try call(client, "host.register_agent", #"{"name":"\#(Self.mebibyte)","kind":"callback"}"#)
        #expect(name["error"]?["message"]?.stringValue?.hasPrefix("invalid params: name is 1048576 bytes") == true, "\(name)")
        let capability = try call(client, "host.register_device",
                                  #"{"name":"d","platform":"ios","capabilities":["ok","\#(String(repeating: "c", count: 1000))"]}"#)
        #expect(capability["error"]?["message"]?.stringValue?.hasPrefix("invalid params: capabilities[1] is 1000 bytes") == true)
        _ = try call(client, "host.register_agent", #"{"id":"a","name":"n","kind":"callback"}"#)
        let status = try call(client, "host.set_status", #"{"agent_id":"a","status":"running","payload":{"p":"\#(Self.mebibyte)"}}"#)
        #expect(status["error"]?["message"]?.stringValue?.hasPrefix("invalid params: payload is") == true)

        // Agents with metadata just under its cap, until the connection's total is reached.
        let blob = String(repeating: "m", count: HostLimits.jsonBytes - 16)
        var refused: JSONValue = .null
        for index in 0..<1000 {
            let reply = try call(client, "host.register_agent",
                                 #"{"id":"big\#(index)","name":"n","kind":"k","metadata":{"m":"\#(blob)"},"display":{"m":"\#(blob)"}}"#)
            if reply["error"] != nil { refused = reply; break }
        }
        #expect(refused["error"]?["code"] == -32602)
        #expect(refused["error"]?["message"]?.stringValue?.contains("the limit is \(HostLimits.clientBytes)") == true, "\(refused)")
        #expect(running.state.host.bytesHeld(by: running.state.host.agents[0].sessionID) <= HostLimits.clientBytes)
        // Another connection still registers.
        #expect(try call(other, "host.register_agent", #"{"id":"o","name":"n","kind":"k","metadata":{"m":"\#(blob)"}}"#)["result"]?["id"] == "o")
    }
}

/// The spec's descriptions quote the caps host state enforces; this keeps the two in step.
@Suite("spec: host-state caps match HostLimits")
struct HostLimitsSpecTests {
    @Test func theSpecQuotesEveryCapHostStateEnforces() throws {
        let document = try JSONParser.parse(CarSpecInfo.openRPCJSON)
        let methods = document["methods"]?.arrayValue ?? []
        func description(_ method: String, _ param: String) -> String {
            let entry = methods.first { $0["name"] == .string(method) }
            let params = entry?["params"]?.arrayValue ?? []
            return params.first { $0["name"] == .string(param) }?["description"]?.stringValue ?? ""
        }
        let expected: [(String, String, String)] = [
            ("host.notify", "kind", "at most \(HostLimits.wordBytes) UTF-8 bytes"),
            ("host.notify", "agent_id", "At most \(HostLimits.idBytes) UTF-8 bytes"),
            ("host.notify", "message", "At most \(HostLimits.textBytes) UTF-8 bytes"),
            ("host.notify", "payload", "at most \(HostLimits.jsonBytes) bytes encoded"),
            ("host.set_status", "message", "At most \(HostLimits.textBytes) UTF-8 bytes"),
            ("host.set_status", "current_task", "At most \(HostLimits.textBytes) UTF-8 bytes"),
            ("host.set_status", "payload", "at most \(HostLimits.jsonBytes) bytes encoded"),
            ("host.register_agent", "id", "At most \(HostLimits.idBytes) UTF-8 bytes"),
            ("host.register_agent", "name", "At most \(HostLimits.nameBytes) UTF-8 bytes"),
            ("host.register_agent", "kind", "At most \(HostLimits.wordBytes) UTF-8 bytes"),
            ("host.register_agent", "capabilities", "At most \(HostLimits.maxCapabilities) entries of at most \(HostLimits.wordBytes)"),
            ("host.register_agent", "project", "At most \(HostLimits.longTextBytes) UTF-8 bytes"),
            ("host.register_agent", "display", "at most \(HostLimits.jsonBytes) bytes encoded"),
            ("host.register_agent", "metadata", "at most \(HostLimits.jsonBytes) bytes encoded"),
            ("host.register_device", "platform", "At most \(HostLimits.wordBytes) UTF-8 bytes"),
            ("host.register_device", "status", "At most \(HostLimits.wordBytes) UTF-8 bytes"),
            ("host.update_device", "metadata", "at most \(HostLimits.jsonBytes) bytes encoded"),
            ("host.request_approval", "title", "At most \(HostLimits.textBytes) UTF-8 bytes"),
            ("host.request_approval", "description", "At most \(HostLimits.longTextBytes) UTF-8 bytes"),
            ("host.request_approval", "context", "at most \(HostLimits.jsonBytes) bytes encoded"),
            ("host.resolve_approval", "notes", "At most \(HostLimits.textBytes) UTF-8 bytes"),
        ]
        for (method, param, text) in expected {
            #expect(description(method, param).contains(text), "\(method) \(param): \(description(method, param))")
        }
        let summary = methods.first { $0["name"] == "host.request_approval" }?["description"]?.stringValue ?? ""
        #expect(summary.contains("at most \(HostLimits.pendingApprovalsPerClient) approvals pending"))
        #expect(summary.contains("\(HostLimits.clientBytes >> 20) MiB"))
        let notify = methods.first { $0["name"] == "host.notify" }?["description"]?.stringValue ?? ""
        #expect(notify.contains(HostEventKinds.daemonNamespaces.map { $0 + "*" }.joined(separator: ", ")))
    }
}
