import CarRPC
import CarTestSupport
import CarWebSocket
import Testing
@testable import CarServer

/// Requests sent back to back in one write are answered as if sent one at a time: an inline
/// method (answered on the event loop without a task) never overtakes a request sent before it.
@Suite("daemon: pipelined requests")
struct PipeliningTests {
    /// Several text frames in a single write, so the daemon reads them together.
    private func sendTogether(_ client: WebSocketTestClient, _ messages: [String]) throws {
        var bytes: [UInt8] = []
        for message in messages {
            FrameEncoder.append(opcode: .text, payload: Array(message.utf8), fin: true, maskKey: (1, 2, 3, 4), into: &bytes)
        }
        try client.sendRaw(bytes)
    }

    private func replies(_ client: WebSocketTestClient, count: Int) throws -> [JSONValue] {
        try (0..<count).map { _ in try JSONParser.parse(try #require(try client.receiveJSONText(timeout: 5))) }
    }

    @Test func anInlinePingRightBehindItsAuthIsServed() throws {
        let running = try DaemonSessionTests.RunningDaemon()
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        try sendTogether(client, [
            #"{"jsonrpc":"2.0","id":1,"method":"session.auth","params":{"token":"\#(DaemonSessionTests.token)"}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"server.ping","params":null}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"state.set","params":{"key":"k","value":1}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"state.get","params":{"key":"k"}}"#,
        ])
        let answers = try replies(client, count: 4)
        #expect(answers.map { $0["id"] } == [1, 2, 3, 4], "replies come in the order sent: \(answers)")
        #expect(answers[0]["result"]?["ok"] == true)
        #expect(answers[1]["result"] == [:])
        #expect(answers[3]["result"] == 1)
    }

    @Test func aHandshakeRequiredCallRightBehindTheHandshakeIsServed() throws {
        let running = try DaemonSessionTests.RunningDaemon(authToken: nil, hostToken: nil)
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        try sendTogether(client, [
            #"{"jsonrpc":"2.0","id":1,"method":"server.handshake","params":{"protocol_version":3}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"host.subscribe","params":{}}"#,
        ])
        let answers = try replies(client, count: 2)
        #expect(answers[1]["result"]?["subscribed"] == true, "\(answers)")
    }

    /// Frames queued behind a session.auth that has not answered yet are bounded: an
    /// unauthenticated peer is cut off past `maxPipelinedBeforeAuth`, whatever its token.
    @Test func anUnauthenticatedPeerCannotQueueWithoutBound() throws {
        let running = try DaemonSessionTests.RunningDaemon()
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        let pings = (0..<40).map { #"{"jsonrpc":"2.0","id":\#($0 + 2),"method":"server.ping","params":null}"# }
        try sendTogether(client, [
            #"{"jsonrpc":"2.0","id":1,"method":"session.auth","params":{"token":"\#(DaemonSessionTests.token)"}}"#,
        ] + pings)
        var answered = 0
        var closed = false
        for _ in 0..<60 {
            do {
                guard try client.receiveJSONText(timeout: 5) != nil else { break }
                answered += 1
            } catch is WebSocketTestClient.ConnectionClosed {
                closed = true
                break
            }
        }
        #expect(closed, "the connection stays open after \(answered) replies")
        #expect(answered <= RPCConnectionHandler.maxPipelinedBeforeAuth + 1)
    }

    /// Messages past `largeMessageBytes` are read (and, for inline methods, answered) on the
    /// blocking-work pool; they still keep their place among the connection's messages.
    @Test func largeMessagesKeepTheirPlaceInLine() throws {
        let running = try DaemonSessionTests.RunningDaemon(authToken: nil, hostToken: nil)
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        let big = String(repeating: "é\\u0041x", count: 60_000) // escapes, so the parse has work
        let padding = String(repeating: "p", count: RPCConnectionHandler.largeMessageBytes)
        try sendTogether(client, [
            #"{"jsonrpc":"2.0","id":1,"method":"state.set","params":{"key":"k","value":1}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"state.set","params":{"key":"k","value":"\#(big)"}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"state.get","params":{"key":"k"}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"verify","params":{"proposal":{"actions":[],"context":{"pad":"\#(padding)"}}}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"state.set","params":{"key":"k","value":"\#(padding)"#,
            #"{"jsonrpc":"2.0","id":6,"method":"server.ping","params":null}"#,
        ])
        let answers = try replies(client, count: 6)
        // verify runs as a task and may be answered after later requests, as without large
        // messages; the others are answered in the order sent.
        let inOrder = answers.filter { $0["id"] != 4 }
        #expect(inOrder.map { $0["id"] } == [1, 2, 3, .null, 6], "replies come in the order sent")
        #expect(inOrder[2]["result"] == .string(String(repeating: "éAx", count: 60_000)))
        #expect(inOrder[3]["error"]?["code"] == -32700)
        #expect(inOrder[4]["result"] == [:])
        #expect(answers.first { $0["id"] == 4 }?["result"]?["valid"] == true)
    }

    /// A large batch is admitted before the request sent after it (the batch's state.set is
    /// seen), as a small one would be.
    @Test func aRequestAfterALargeBatchSeesTheBatch() throws {
        let running = try DaemonSessionTests.RunningDaemon(authToken: nil, hostToken: nil)
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        let padding = String(repeating: "p", count: RPCConnectionHandler.largeMessageBytes)
        try sendTogether(client, [
            #"[{"jsonrpc":"2.0","id":1,"method":"state.set","params":{"key":"k","value":"\#(padding)"}}]"#,
            #"{"jsonrpc":"2.0","id":2,"method":"state.exists","params":{"key":"k"}}"#,
        ])
        let answers = try replies(client, count: 2)
        #expect(answers.first { $0["id"] == 2 }?["result"] == true, "state.exists ran before the batch sent ahead of it: \(answers)")
    }

    /// A large request that waits (a gated call waiting for a person) holds back only the
    /// reading of the messages behind it, not their answers: a ping sent after it is answered
    /// while it still waits.
    @Test func aPingBehindALargeWaitingRequestIsAnswered() throws {
        let running = try DaemonSessionTests.RunningDaemon(authToken: nil, hostToken: nil)
        defer { running.stop() }
        let client = try running.connect()
        defer { client.close() }
        let padding = String(repeating: "p", count: RPCConnectionHandler.largeMessageBytes)
        try sendTogether(client, [
            #"{"jsonrpc":"2.0","id":1,"method":"automation.run_applescript","params":{"script":"x","pad":"\#(padding)"}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"server.ping","params":null}"#,
        ])
        let first = try JSONParser.parse(try #require(try client.receiveJSONText(timeout: 10), "no reply within 10 s"))
        #expect(first["id"] == 2, "the ping waited behind the gated call: \(first)")
    }
}
