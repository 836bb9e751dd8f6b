import CarA2A
import CarA2UI
import CarJSON
import Foundation
import Glibc
import Synchronization
import Testing

/// The outbound client against a real socket: what goes on the wire, the 0.3 fallback, error
/// mapping, and every guard (trust gate, redirects, credential, size, deadline, concurrency).
@Suite struct A2AClientTests {
    typealias Server = LoopbackHTTPServer

    static let message: JSONValue = [
        "messageId": "m-1", "role": "ROLE_USER", "parts": [["text": "hello"], ["data": ["n": 1]]],
    ]
    static let task: JSONValue = ["task": ["id": "t-1", "contextId": "c-1", "status": ["state": "TASK_STATE_COMPLETED"]]]
    static let legacyTask: JSONValue = ["kind": "task", "id": "t-1", "contextId": "c-1", "status": ["state": "completed"]]

    /// A test stand-in for the codec: marks the message so the 0.3 request can be told apart.
    static let downgrade: A2AClient.MessageConverter = { message in
        guard case .object(var members) = message else { throw A2AError(code: -32602, message: "not an object") }
        members["kind"] = "message"
        members["role"] = "user"
        members["parts"] = [["kind": "text", "text": "hello"]]
        return .object(members)
    }

    static func client(_ limits: A2AClientLimits = A2AClientLimits()) -> A2AClient {
        A2AClient(limits: limits, convertMessageTo03: downgrade)
    }

    /// The error `body` throws; a test fails when it does not throw.
    static func failure(_ body: () async throws(A2AError) -> Void) async -> A2AError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Wire shape and versions

    @Test func sendsA1_0SendMessageWithVersionHeader() async throws {
        let server = try Server { .rpcResult(Self.task, for: $0) }
        defer { server.stop() }
        let reply = try await Self.client().send(
            endpoint: server.url + "/rpc", message: Self.message, blocking: true, credential: nil, allowUntrusted: false)

        #expect(reply == A2AOutboundReply(version: .v1_0, result: Self.task))
        let requests = server.requests
        try #require(requests.count == 1)
        let request = requests[0]
        #expect(request.method == "POST")
        #expect(request.path == "/rpc")
        #expect(request.header("A2A-Version") == "1.0")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Accept") == "application/json")
        let body = try #require(request.json)
        #expect(body["jsonrpc"] == "2.0")
        #expect(body["method"] == "SendMessage")
        #expect(body["id"]?.stringValue?.isEmpty == false)
        #expect(body["params"]?["message"] == Self.message)
        #expect(body["params"]?["configuration"] == ["returnImmediately": false])
    }

    @Test func aLargeReplyUnderTheLimitArrivesWhole() async throws {
        let big: JSONValue = ["message": ["messageId": "r", "role": "ROLE_AGENT", "parts": [["text": .string(String(repeating: "z", count: 1 << 20))]]]]
        let server = try Server { .rpcResult(big, for: $0) }
        defer { server.stop() }
        let reply = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        #expect(reply.result == big)
    }

    @Test func nonBlockingSendAsksToReturnImmediately() async throws {
        let server = try Server { .rpcResult(Self.task, for: $0) }
        defer { server.stop() }
        _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: false, credential: nil, allowUntrusted: false)
        #expect(server.requests.first?.json?["params"]?["configuration"] == ["returnImmediately": true])
    }

    @Test(arguments: [Int64(-32601), -32009])
    func retriesOnceAs0_3WhenThePeerRefuses1_0(code: Int64) async throws {
        let server = try Server { request in
            request.rpcMethod == "SendMessage"
                ? .rpcError(code: code, message: "Method not found", for: request)
                : .rpcResult(Self.legacyTask, for: request)
        }
        defer { server.stop() }
        let reply = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: false, credential: nil, allowUntrusted: false)

        #expect(reply == A2AOutboundReply(version: .v0_3, result: Self.legacyTask))
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[0].rpcMethod == "SendMessage")
        #expect(requests[1].rpcMethod == "message/send")
        #expect(requests[1].header("A2A-Version") == "0.3")
        let params = try #require(requests[1].json?["params"])
        #expect(params["configuration"] == ["blocking": false])
        #expect(params["message"] == (try Self.downgrade(Self.message)))
    }

    @Test func a0_3PeerThatAlsoRefusesSaysSo() async throws {
        let server = try Server { .rpcError(code: -32601, message: "Method not found", for: $0) }
        defer { server.stop() }
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error?.code == -32601)
        #expect(error?.message.hasPrefix("peer: Method not found") == true)
        #expect(error?.message.contains("message/send") == true)
        #expect(server.requests.count == 2)
    }

    @Test func aConverterFailureIsReported() async throws {
        let server = try Server { .rpcError(code: -32601, message: "Method not found", for: $0) }
        defer { server.stop() }
        let client = A2AClient(convertMessageTo03: { _ in throw CocoaError(.featureUnsupported) })
        let error = await Self.failure { () throws(A2AError) in
            _ = try await client.send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error?.code == -32602)
        #expect(error?.message.contains("cannot be converted to 0.3") == true)
        #expect(server.requests.count == 1)
    }

    // MARK: - Errors

    @Test func aPeerErrorKeepsItsCodeAndSmallData() async throws {
        let detail: JSONValue = [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "TASK_NOT_FOUND"]]
        let server = try Server { .rpcError(code: -32001, message: "Task not found", data: detail, for: $0) }
        defer { server.stop() }
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error == A2AError(code: -32001, message: "peer: Task not found", data: detail))
        #expect(server.requests.count == 1, "only -32601/-32009 fall back to 0.3")
    }

    @Test func largePeerErrorDataAndMessagesAreCut() async throws {
        let big = JSONValue.string(String(repeating: "x", count: 10_000))
        let server = try Server { .rpcError(code: -32603, message: String(repeating: "y", count: 5_000), data: big, for: $0) }
        defer { server.stop() }
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error?.code == -32603)
        #expect(error?.data == nil)
        #expect((error?.message.count ?? .max) < 1100)
    }

    @Test func httpErrorsAndNonJSONBodiesAreClear() async throws {
        let server = try Server { request in
            request.path.hasPrefix("/500")
                ? .respond(status: 500, headers: [], body: Array("oops".utf8))
                : .respond(status: 200, headers: [], body: Array("<html>".utf8))
        }
        defer { server.stop() }
        let status = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: server.url + "/500?key=abc", message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(status?.code == -32603)
        #expect(status?.message == "peer \(server.url)/500 answered HTTP 500")
        let garbage = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(garbage?.message.contains("not JSON") == true)
    }

    @Test func anUnreachablePeerIsNamedWithoutItsQuery() async throws {
        // A port that was just free: nothing listens there.
        let server = try Server { _ in .json([:]) }
        let endpoint = server.url + "/rpc?token=hidden"
        server.stop()
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: endpoint, message: Self.message, blocking: true,
                                              credential: .bearer(token: "tok-unreachable"), allowUntrusted: false)
        }
        #expect(error?.code == -32603)
        #expect(error?.message.hasPrefix("could not reach \(server.url)/rpc: ") == true)
        #expect(error?.message.contains("hidden") == false)
        #expect(error?.message.contains("tok-unreachable") == false)
    }

    // MARK: - Credentials

    @Test func aBearerTokenIsSentAndNeverEchoedInErrors() async throws {
        let secret = "tok-SECRET-123"
        let server = try Server { .rpcError(code: -32600, message: "bad token Bearer \(secret)", data: ["got": .string(secret)], for: $0) }
        defer { server.stop() }
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true,
                                              credential: .bearer(token: secret), allowUntrusted: false)
        }
        #expect(server.requests.first?.header("Authorization") == "Bearer \(secret)")
        let thrown = try #require(error)
        #expect(thrown.code == -32600)
        #expect(!thrown.message.contains(secret))
        #expect(thrown.message.contains("<redacted>"))
        #expect(!thrown.description.contains(secret))
        #expect(thrown.data == nil, "data echoing the secret is dropped")
    }

    @Test func aHeaderCredentialIsSentAsThatHeader() async throws {
        let server = try Server { .rpcResult(Self.task, for: $0) }
        defer { server.stop() }
        _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true,
                                         credential: .header(name: "X-Api-Key", value: "k-42"), allowUntrusted: false)
        #expect(server.requests.first?.header("X-Api-Key") == "k-42")
        #expect(server.requests.first?.header("Authorization") == nil)
    }

    @Test func aCredentialThatCouldInjectHeadersIsRefused() async throws {
        let server = try Server { .rpcResult(Self.task, for: $0) }
        defer { server.stop() }
        for credential in [A2UIRouteAuth.bearer(token: "a\r\nX-Evil: 1"), .header(name: "Bad Name", value: "v"), .header(name: "Content-Type", value: "text/plain")] {
            let error = await Self.failure { () throws(A2AError) in
                _ = try await Self.client().send(endpoint: server.url, message: Self.message, blocking: true, credential: credential, allowUntrusted: false)
            }
            #expect(error?.code == -32602)
            #expect(error?.message.contains("X-Evil") == false)
        }
        #expect(server.requests.isEmpty)
    }

    // MARK: - Trust gate

    @Test func aNonLoopbackEndpointIsRefusedBeforeAnyRequest() async throws {
        let server = try Server { .rpcResult(Self.task, for: $0) }
        defer { server.stop() }
        // 0.0.0.0 reaches this loopback listener on Linux, but it is not a loopback name.
        let endpoint = "http://0.0.0.0:\(server.port)/"
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: endpoint, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error?.code == -32602)
        #expect(error?.message.contains("allowUntrustedEndpoint") == true)
        #expect(server.requests.isEmpty)

        // The gate, not the network, stopped it: allowed, the same endpoint is reached.
        let reply = try await Self.client().send(endpoint: endpoint, message: Self.message, blocking: true, credential: nil, allowUntrusted: true)
        #expect(reply.version == .v1_0)
        #expect(server.requests.count == 1)
    }

    @Test(arguments: ["ftp://127.0.0.1/", "http://user:pw@127.0.0.1/", "http://127.0.0.1\\@example.com/", "127.0.0.1:80", "http://127.0.0.1:99999/", "http:// 127.0.0.1/"])
    func malformedEndpointsAreRefused(endpoint: String) async {
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: endpoint, message: Self.message, blocking: true, credential: nil, allowUntrusted: true)
        }
        #expect(error?.code == -32602)
        #expect(error?.message.contains("pw") == false)
    }

    // MARK: - Redirects

    @Test func aRedirectToANonLoopbackHostIsNotFollowed() async throws {
        let target = try Server { .rpcResult(Self.task, for: $0) }
        defer { target.stop() }
        let origin = try Server { _ in .redirect(to: "http://0.0.0.0:\(target.port)/rpc") }
        defer { origin.stop() }
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: origin.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error?.code == -32602)
        #expect(error?.message.contains("redirected to http://0.0.0.0:\(target.port)/rpc") == true)
        #expect(error?.message.contains("allowUntrustedEndpoint") == true)
        #expect(origin.requests.count == 1)
        #expect(target.requests.isEmpty)
    }

    @Test func aFollowedRedirectToAnotherOriginDropsTheCredential() async throws {
        let target = try Server { .rpcResult(Self.task, for: $0) }
        defer { target.stop() }
        let origin = try Server { _ in .redirect(to: "http://0.0.0.0:\(target.port)/rpc") }
        defer { origin.stop() }
        let reply = try await Self.client().send(endpoint: origin.url, message: Self.message, blocking: true,
                                                 credential: .bearer(token: "tok-origin-only"), allowUntrusted: true)
        #expect(reply.result == Self.task)
        #expect(origin.requests.first?.header("Authorization") == "Bearer tok-origin-only")
        try #require(target.requests.count == 1)
        #expect(target.requests[0].header("Authorization") == nil, "\(target.requests[0].rawHead)")
        // A 307 repeats the POST with its body (Foundation on Linux would send it empty).
        #expect(target.requests[0].method == "POST")
        #expect(target.requests[0].rpcMethod == "SendMessage")

        // A loopback target on another port is followed without allowUntrusted, still without the credential.
        let local = try Server { _ in .redirect(to: "http://localhost:\(target.port)/rpc") }
        defer { local.stop() }
        _ = try await Self.client().send(endpoint: local.url, message: Self.message, blocking: true,
                                         credential: .header(name: "X-Api-Key", value: "k-local"), allowUntrusted: false)
        try #require(target.requests.count == 2)
        #expect(target.requests[1].header("X-Api-Key") == nil)
    }

    @Test func aSameOriginRedirectKeepsTheCredential() async throws {
        let server = try Server { request in
            request.path == "/old" ? .redirect(to: "/new") : .rpcResult(Self.task, for: request)
        }
        defer { server.stop() }
        _ = try await Self.client().send(endpoint: server.url + "/old", message: Self.message, blocking: true,
                                         credential: .bearer(token: "tok-same"), allowUntrusted: false)
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[1].path == "/new")
        #expect(requests[1].header("Authorization") == "Bearer tok-same")
    }

    @Test func a303TurnsThePostIntoAGet() async throws {
        let server = try Server { request in
            request.path == "/old" ? .redirect(303, to: "/new") : .rpcResult(Self.task, for: request)
        }
        defer { server.stop() }
        _ = try await Self.client().send(endpoint: server.url + "/old", message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[1].method == "GET")
        #expect(requests[1].body.isEmpty)
    }

    @Test func aRedirectWhoseBodyNeverEndsEndsAtTheDeadline() async throws {
        // Foundation reads a 3xx body itself, out of the delegate's sight (so out of the size
        // limit's too): the deadline ends it. Kept small: corelibs copies its whole buffer per
        // chunk, and megabytes of it would slow this whole test process down.
        let server = try Server { _ in .endless(bytes: 1 << 20, holdSeconds: 180, status: 302, headers: [("Location", "/next")]) }
        defer { server.stop() }
        let client = Self.client(A2AClientLimits(requestTimeout: .seconds(1)))
        let started = Date()
        let error = await Self.failure { () throws(A2AError) in
            _ = try await client.send(endpoint: server.url, message: Self.message, blocking: false, credential: nil, allowUntrusted: false)
        }
        #expect(error?.message == "could not reach \(server.url): no complete answer within 1 s")
        // Far below the 180 s the peer holds on, with room for a loaded machine.
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(server.requests.count == 1)
    }

    @Test func redirectLoopsEnd() async throws {
        let server = try Server { request in .redirect(to: request.path == "/a" ? "/b" : "/a") }
        defer { server.stop() }
        let error = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().send(endpoint: server.url + "/a", message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error?.message.contains("more than 5 redirects") == true)
        #expect(server.requests.count == 6)
    }

    // MARK: - Bounds

    @Test func aBodyPastTheLimitIsRefusedWhileItArrives() async throws {
        // 1 MiB with no length, then the connection held open: a client that only checked the
        // size at the end would still be waiting here when its 120 s deadline passed, and
        // would report a timeout instead.
        let server = try Server { _ in .endless(bytes: 1 << 20, holdSeconds: 180) }
        defer { server.stop() }
        let client = Self.client(A2AClientLimits(requestTimeout: .seconds(120), maxResponseBytes: 64 << 10))
        let started = Date()
        let error = await Self.failure { () throws(A2AError) in
            _ = try await client.send(endpoint: server.url, message: Self.message, blocking: false, credential: nil, allowUntrusted: false)
        }
        #expect(error?.code == -32603)
        #expect(error?.message == "the reply of \(server.url) is larger than 65536 bytes; refused")
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test func aDeclaredLengthPastTheLimitIsRefused() async throws {
        let server = try Server { _ in .respond(status: 200, headers: [], body: [UInt8](repeating: 0x20, count: 200_000)) }
        defer { server.stop() }
        let client = Self.client(A2AClientLimits(maxResponseBytes: 100_000))
        let error = await Self.failure { () throws(A2AError) in
            _ = try await client.send(endpoint: server.url, message: Self.message, blocking: false, credential: nil, allowUntrusted: false)
        }
        #expect(error?.message.contains("larger than 100000 bytes") == true)
    }

    @Test func aSlowPeerTimesOut() async throws {
        let server = try Server { .delayed(seconds: 180, .rpcResult(Self.task, for: $0)) }
        defer { server.stop() }
        let client = Self.client(A2AClientLimits(requestTimeout: .milliseconds(300), blockingTimeout: .seconds(30)))
        let started = Date()
        let error = await Self.failure { () throws(A2AError) in
            _ = try await client.send(endpoint: server.url, message: Self.message, blocking: false, credential: nil, allowUntrusted: false)
        }
        #expect(error?.code == -32603)
        #expect(error?.message == "could not reach \(server.url): no complete answer within 0.3 s")
        // The exact message says our deadline ended it; this, that it did not wait for the peer.
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(client.callsInFlight == 0)
    }

    @Test func callsPastTheConcurrencyLimitAreRefused() async throws {
        // The first call is held by the peer until the second has been refused, however slow the machine.
        let release = Atomic<Bool>(false)
        let server = try Server { request in
            for _ in 0..<12000 where !release.load(ordering: .acquiring) { usleep(5_000) }
            return .rpcResult(Self.task, for: request)
        }
        defer { server.stop() }
        let client = Self.client(A2AClientLimits(maxConcurrentCalls: 1))
        let first = Task { try await client.send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false) }
        #expect(await Server.eventually(60) { server.requests.count == 1 })
        let error = await Self.failure { () throws(A2AError) in
            _ = try await client.send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false)
        }
        #expect(error?.message.contains("too many outbound A2A calls in flight (limit 1)") == true)
        release.store(true, ordering: .releasing)
        #expect(try await first.value.version == .v1_0)
        #expect(client.callsInFlight == 0)
        #expect(server.requests.count == 1)
    }

    @Test func cancellingTheCallerStopsTheCall() async throws {
        let server = try Server { .delayed(seconds: 180, .rpcResult(Self.task, for: $0)) }
        defer { server.stop() }
        let client = Self.client()
        let started = Date()
        let call = Task { () async -> Result<A2AOutboundReply, A2AError> in
            do throws(A2AError) {
                return .success(try await client.send(endpoint: server.url, message: Self.message, blocking: true, credential: nil, allowUntrusted: false))
            } catch {
                return .failure(error)
            }
        }
        #expect(await Server.eventually(60) { server.requests.count == 1 })
        call.cancel()
        let result = await call.value
        guard case .failure(let error) = result else {
            Issue.record("a cancelled call returned \(result)")
            return
        }
        #expect(error.message.contains("cancelled"))
        #expect(Date().timeIntervalSince(started) < 60)
    }

    // MARK: - Agent card

    @Test func theCardIsFetchedFromTheOriginsWellKnownPath() async throws {
        let card: JSONValue = ["name": "peer", "supportedInterfaces": [["url": "http://127.0.0.1/", "protocolVersion": "1.0"]]]
        let server = try Server { request in
            request.path == "/.well-known/agent-card.json" ? .json(card) : .respond(status: 404, headers: [], body: [])
        }
        defer { server.stop() }
        let fetched = try await Self.client().fetchAgentCard(baseURL: server.url + "/a2a/v1?k=1", credential: .bearer(token: "tok-card"), allowUntrusted: false)
        #expect(fetched == card)
        let request = try #require(server.requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/.well-known/agent-card.json")
        #expect(request.header("A2A-Version") == "1.0")
        #expect(request.header("Authorization") == "Bearer tok-card")
    }

    @Test func aMissingOrNonObjectCardIsAnError() async throws {
        let missing = try Server { _ in .respond(status: 404, headers: [], body: []) }
        defer { missing.stop() }
        let notFound = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().fetchAgentCard(baseURL: missing.url, credential: nil, allowUntrusted: false)
        }
        #expect(notFound?.message == "peer \(missing.url)/.well-known/agent-card.json answered HTTP 404 for its agent card")
        let list = try Server { _ in .json([1, 2]) }
        defer { list.stop() }
        let notObject = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().fetchAgentCard(baseURL: list.url, credential: nil, allowUntrusted: false)
        }
        #expect(notObject?.message.contains("not a JSON object") == true)
        let refused = await Self.failure { () throws(A2AError) in
            _ = try await Self.client().fetchAgentCard(baseURL: "https://agents.example.com", credential: nil, allowUntrusted: false)
        }
        #expect(refused?.message.contains("allowUntrustedEndpoint") == true)
    }
}
