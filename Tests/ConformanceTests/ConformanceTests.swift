import CarRPC
import Foundation
import CarTestSupport
import CarWebSocket
import Synchronization
import Testing

/// Runs the cases RPCGen generated from spec/methods.json against a real daemon over a real
/// WebSocket. The daemon runs in-process with the conformance tokens the spec names.
@Suite("Conformance (generated from spec/methods.json)")
struct ConformanceTests {
    @Test("client→server case", arguments: ConformanceCases.all)
    func inbound(_ testCase: ConformanceCase) async throws {
        let daemon = try await ConformanceDaemon.shared()
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: daemon.port)
        defer { client.close() }
        try Session.prepare(client, testCase.setup)
        var results: [JSONValue] = []
        for step in testCase.before { results.append(try Session.call(client, step)) }
        try client.sendText(Session.substituting(results, into: testCase.request))
        switch testCase.expect {
        case .noReply:
            // A notification is answered by nothing: the next reply on the wire is the ping's.
            try client.sendText(#"{"id":"after","jsonrpc":"2.0","method":"server.ping","params":null}"#)
            let reply = try Session.reply(client)
            #expect(reply["id"] == .string("after"), "a notification got a reply: \(reply)")
        case .closes:
            #expect(Session.closesSoon(client), "the server must close an unauthenticated connection")
        case .result(let expected):
            let reply = try Session.reply(client)
            #expect(reply["error"] == nil, "unexpected error: \(reply)")
            #expect(reply["result"] == (try JSONParser.parse(expected)))
            #expect(reply["id"] == .int(1))
        case .resultType(let type):
            let reply = try Session.reply(client)
            let result = try #require(reply["result"], "expected a result: \(reply)")
            #expect(result.typeName == type, "result \(result) is not a JSON \(type)")
        case .resultKeys(let keys):
            let reply = try Session.reply(client)
            let result = try #require(reply["result"]?.objectValue, "expected an object result: \(reply)")
            for key in keys { #expect(result[key] != nil, "result lacks '\(key)'") }
        case .error(let code, let message, let mentions, let closes):
            let reply = try Session.reply(client)
            let error = try #require(reply["error"], "expected an error: \(reply)")
            #expect(error["code"]?.intValue == Int64(code), "\(reply)")
            let text = error["message"]?.stringValue ?? ""
            if let message { #expect(text == message) }
            if let mentions { #expect(text.contains(mentions), "'\(text)' should name \(mentions)") }
            if closes { #expect(Session.closesSoon(client), "the server must close an unauthenticated connection") }
            else { #expect(try Session.stillServes(client)) }
        }
    }

    @Test("server→client method through the typed proxy", arguments: ConformanceCases.outbound)
    func outbound(_ testCase: OutboundCase) async throws {
        let result = try testCase.result.map { try JSONParser.parse($0) } ?? .null
        let peer = RecordingPeer(answer: result)
        let params = try JSONParser.parse(testCase.params)
        let returned = try await testCase.invoke(peer, params)
        let sent = try #require(peer.sent.first)
        #expect(sent.method == testCase.method)
        #expect(sent.params == params, "the proxy must send the example's params unchanged")
        #expect(sent.isRequest == testCase.isRequest)
        if testCase.isRequest { #expect(returned == result) }
    }

    @Test("every method in the spec has conformance cases")
    func coverage() {
        let covered = Set(ConformanceCases.all.map(\.method) + ConformanceCases.outbound.map(\.method))
        for method in ConformanceCases.methodNames {
            #expect(covered.contains(method), "no conformance case for \(method)")
        }
    }
}

/// Setup steps and reply reading shared by the cases.
enum Session {
    static func prepare(_ client: WebSocketTestClient, _ setup: ConformanceCase.Setup) throws {
        switch setup {
        case .fresh: return
        case .authenticated, .negotiated:
            try call(client, #"{"id":0,"jsonrpc":"2.0","method":"session.auth","params":{"token":"\#(ConformanceTokens.auth)"}}"#)
        case .host, .hostNegotiated:
            try call(client, #"{"id":0,"jsonrpc":"2.0","method":"session.auth","params":{"host_token":"\#(ConformanceTokens.host)"}}"#)
        }
        if case .negotiated = setup { try handshake(client) }
        if case .hostNegotiated = setup { try handshake(client) }
    }

    private static func handshake(_ client: WebSocketTestClient) throws {
        try call(client, #"{"id":2,"jsonrpc":"2.0","method":"server.handshake","params":{"client_version":"conformance","protocol_version":3}}"#)
    }

    @discardableResult
    static func call(_ client: WebSocketTestClient, _ frame: String) throws -> JSONValue {
        try client.sendText(frame)
        let reply = try reply(client)
        guard let result = reply["result"] else { throw SetupFailed(reply: reply) }
        return result
    }

    /// An example's params may name a value a `before` call returned — `${before.0.id}` is
    /// member `id` of the first call's result — for ids the daemon mints (approvals).
    static func substituting(_ results: [JSONValue], into request: String) -> String {
        var text = request
        for (index, result) in results.enumerated() {
            guard case .object(let members) = result else { continue }
            for (key, value) in members {
                guard let string = value.stringValue else { continue }
                text = text.replacingOccurrences(of: "${before.\(index).\(key)}", with: string)
            }
        }
        return text
    }

    static func reply(_ client: WebSocketTestClient) throws -> JSONValue {
        guard let text = try client.receiveJSONText(timeout: 5) else { throw NoReply() }
        return try JSONParser.parse(text)
    }

    static func stillServes(_ client: WebSocketTestClient) throws -> Bool {
        try client.sendText(#"{"id":"alive","jsonrpc":"2.0","method":"session.auth","params":{"token":"x"}}"#)
        return try reply(client)["id"] == .string("alive")
    }

    static func closesSoon(_ client: WebSocketTestClient) -> Bool {
        do {
            while let message = try client.receive(timeout: 3) {
                if case .close = message { return true }
            }
            return false
        } catch {
            return true
        }
    }

    struct SetupFailed: Error { var reply: JSONValue }
    struct NoReply: Error {}
}

/// A peer that records what a proxy sends and answers with a fixed value.
final class RecordingPeer: RPCPeer {
    struct Sent: Sendable { var method: String; var params: JSONValue; var isRequest: Bool }
    private let log = Mutex<[Sent]>([])
    private let answer: JSONValue

    init(answer: JSONValue) { self.answer = answer }

    var sent: [Sent] { log.withLock { $0 } }

    func nextCallID() -> RPCID { .string("cb-1") }

    func call(id: RPCID, method: String, params: JSONValue, timeout: Duration?) async throws -> JSONValue {
        log.withLock { $0.append(Sent(method: method, params: params, isRequest: true)) }
        return answer
    }

    func notify(method: String, params: JSONValue) {
        log.withLock { $0.append(Sent(method: method, params: params, isRequest: false)) }
    }
}
