@testable import CarA2UI
import CarJSON
import Testing

@Suite struct A2UIIngestTests {
    typealias F = A2UIFixtures

    static let one = F.create("s1")
    static let two = F.components("s1", [F.text("root")])
    static let three = F.delete("s1")

    @Test func v03TaskWithDataParts() {
        let task: JSONValue = [
            "kind": "task", "id": "task-1", "contextId": "ctx-1",
            "status": ["state": "completed"],
            "artifacts": [["artifactId": "a1", "parts": [["kind": "text", "text": "hi"], ["kind": "data", "data": [Self.one, Self.two]]]]],
        ]
        let scan = A2UIIngestScan(task, limit: 64)
        #expect(scan.envelopes == [Self.one, Self.two])
        #expect(scan.taskID == "task-1")
        #expect(scan.contextID == "ctx-1")
        #expect(!scan.truncated)
    }

    @Test func v03MessageTakesItsTaskID() {
        let message: JSONValue = ["kind": "message", "messageId": "m1", "taskId": "task-2", "contextId": "ctx-2",
                                  "parts": [["kind": "data", "data": Self.one]]]
        let scan = A2UIIngestScan(message, limit: 64)
        #expect(scan.envelopes == [Self.one])
        #expect(scan.taskID == "task-2")
        #expect(scan.contextID == "ctx-2")
    }

    @Test func v10Shape() {
        // v1.0: a SendMessageResponse {task: {...}}, parts without "kind", data wrapped in {data: ...}.
        let response: JSONValue = ["task": [
            "id": "task-3", "contextId": "ctx-3",
            "artifacts": [["parts": [["data": ["data": [Self.one, Self.two]], "mediaType": "application/a2ui+json"]]]],
        ]]
        let scan = A2UIIngestScan(response, limit: 64)
        #expect(scan.envelopes == [Self.one, Self.two])
        #expect(scan.taskID == "task-3")
        #expect(scan.contextID == "ctx-3")
    }

    @Test func wrappersAndBareForms() {
        #expect(A2UIIngestScan(["a2ui": Self.one], limit: 64).envelopes == [Self.one])
        #expect(A2UIIngestScan(Self.one, limit: 64).envelopes == [Self.one])
        #expect(A2UIIngestScan([Self.one, Self.two, Self.three], limit: 64).envelopes == [Self.one, Self.two, Self.three])
        #expect(A2UIIngestScan([["a2ui": Self.one], ["a2ui": Self.two]], limit: 64).envelopes == [Self.one, Self.two])
        let bare = A2UIIngestScan([Self.one], limit: 64)
        #expect(bare.taskID == nil)
        #expect(bare.contextID == nil)
        #expect(A2UIIngestScan("text", limit: 64).envelopes.isEmpty)
        #expect(A2UIIngestScan(["version": "v0.9"], limit: 64).envelopes.isEmpty, "a version without an action is no envelope")
        #expect(A2UIIngestScan(["createSurface": ["surfaceId": "s"]], limit: 64).envelopes.isEmpty, "an action without a version is no envelope")
    }

    @Test func neverLooksInsideAnEnvelope() {
        let outer: JSONValue = ["version": "v0.9", "updateDataModel": ["surfaceId": "s", "path": "/", "value": ["inner": Self.one, "taskId": "x"]]]
        let scan = A2UIIngestScan([outer], limit: 64)
        #expect(scan.envelopes == [outer])
        #expect(scan.taskID == nil)
    }

    @Test func keysAreWalkedInSortedOrder() {
        let scan = A2UIIngestScan(["b": Self.two, "a": Self.one, "c": Self.three], limit: 64)
        #expect(scan.envelopes == [Self.one, Self.two, Self.three])
    }

    @Test func limitTruncates() {
        let scan = A2UIIngestScan([Self.one, Self.two, Self.three], limit: 2)
        #expect(scan.envelopes == [Self.one, Self.two])
        #expect(scan.truncated)
        let exact = A2UIIngestScan([Self.one, Self.two], limit: 2)
        #expect(!exact.truncated)
        #expect(A2UIIngestScan([Self.one], limit: 0).truncated)
    }

    @Test func depthBoundsTheWalk() {
        func wrapped(_ levels: Int) -> JSONValue {
            var value = Self.one
            for _ in 0..<levels { value = ["x": value] }
            return value
        }
        #expect(A2UIIngestScan(wrapped(4), limit: 64, maxDepth: 4).envelopes == [Self.one])
        #expect(A2UIIngestScan(wrapped(5), limit: 64, maxDepth: 4).envelopes.isEmpty)
        // Deep junk ends the walk quietly, without recursing through all of it.
        #expect(A2UIIngestScan(wrapped(500), limit: 64).envelopes.isEmpty)
    }

    // MARK: Endpoint trust

    @Test func loopbackEndpointsAreTrusted() {
        for endpoint in ["http://127.0.0.1:8080/a2a", "https://127.0.0.1/", "http://127.5.6.7", "http://localhost:9999/x",
                         "HTTP://LOCALHOST/", "http://[::1]:7000/a2a", "https://[::1]/", "http://localhost?x=1", "http://127.0.0.1#frag"] {
            #expect(A2UIEndpointTrust.isLoopback(endpoint), "\(endpoint)")
        }
    }

    @Test func otherEndpointsAreNot() {
        for endpoint in ["http://10.0.0.1/", "http://127.0.0.1@evil.com/", "http://user:pw@127.0.0.1/", "ftp://127.0.0.1/",
                         "127.0.0.1", "http://", "http://evil.com/127.0.0.1", "http://127.0.0.1.evil.com/", "http://localhost.evil.com/",
                         "http://evil.com#@127.0.0.1", "http://128.0.0.1/", "http://[::2]/", "http://0x7f.0.0.1/", "http://127.0.0/",
                         "http://[::1/", "file:///etc/passwd", ""] {
            #expect(!A2UIEndpointTrust.isLoopback(endpoint), "\(endpoint)")
        }
    }

    @Test func hostOfEndpoints() {
        #expect(A2UIEndpointTrust.host(of: "https://Example.COM:8443/a?b") == "example.com")
        #expect(A2UIEndpointTrust.host(of: "http://[::1]:80/") == "[::1]")
        #expect(A2UIEndpointTrust.host(of: "http://a@b/") == nil)
        #expect(A2UIEndpointTrust.host(of: "ws://localhost/") == nil)
        #expect(A2UIEndpointTrust.host(of: "http:///path") == nil)
    }

    // MARK: Ingest request

    static func request(_ params: [String: JSONValue]) -> Result<A2UIIngestRequest, A2UIError> {
        do { return .success(try A2UIIngestRequest(params)) } catch { return .failure(error) }
    }

    @Test func rawPayloadHasNoOwnerOrRoute() throws {
        let request = try Self.request(["version": "v0.9", "deleteSurface": ["surfaceId": "s"]]).get()
        #expect(request.payload == ["version": "v0.9", "deleteSurface": ["surfaceId": "s"]])
        #expect(request.owner == nil)
        #expect(request.route == nil)
    }

    @Test func endpointGateAndRoute() throws {
        let loopback = try Self.request(["payload": [Self.one], "endpoint": "http://127.0.0.1:9/a2a",
                                         "routeAuth": ["type": "bearer", "token": "tok"], "owner": ["taskId": "t", "contextId": "c"]]).get()
        #expect(loopback.route == A2UIRoute(endpoint: "http://127.0.0.1:9/a2a", auth: .bearer(token: "tok")))
        #expect(loopback.owner == .a2a(taskID: "t", contextID: "c", endpoint: "http://127.0.0.1:9/a2a"))
        guard case .failure(let refused) = Self.request(["payload": [Self.one], "endpoint": "https://agent.example.com/"]) else {
            Issue.record("a non-loopback endpoint was accepted without allowUntrustedEndpoint"); return
        }
        #expect(refused.path == "/endpoint")
        let allowed = try Self.request(["payload": [Self.one], "endpoint": "https://agent.example.com/", "allowUntrustedEndpoint": true]).get()
        #expect(allowed.route?.endpoint == "https://agent.example.com/")
        #expect(allowed.route?.auth == nil)
        guard case .failure(let ftp) = Self.request(["payload": [Self.one], "endpoint": "ftp://127.0.0.1/", "allowUntrustedEndpoint": true]) else {
            Issue.record("an ftp endpoint was accepted"); return
        }
        #expect(ftp.path == "/endpoint")
        let none = try Self.request(["payload": [Self.one], "endpoint": "http://localhost/", "routeAuth": ["type": "none"]]).get()
        #expect(none.route == A2UIRoute(endpoint: "http://localhost/", auth: nil))
    }

    @Test func routeAuthRefusalsNeverRepeatTheSecret() {
        let secret = "sekrit-\u{0D}\u{0A}injected"
        let cases: [[String: JSONValue]] = [
            ["payload": [], "routeAuth": ["type": "bearer", "token": .string(secret)]],  // no endpoint
            ["payload": [], "endpoint": "http://127.0.0.1/", "routeAuth": ["type": "header", "name": "X-Key", "value": .string(secret)]],
            ["payload": [], "endpoint": "http://127.0.0.1/", "routeAuth": ["type": "header", "name": "bad name", "value": "sekrit-v"]],
            ["payload": [], "endpoint": "http://127.0.0.1/", "routeAuth": ["type": "bearer", "token": .string(String(repeating: "s", count: 9_000))]],
            ["payload": [], "endpoint": "http://127.0.0.1/", "routeAuth": ["type": "basic", "token": .string(secret)]],
        ]
        for params in cases {
            guard case .failure(let error) = Self.request(params) else { Issue.record("accepted: \(params)"); continue }
            #expect(error.kind == .invalidMessage)
            #expect(!error.message.contains("sekrit"))
            #expect(!error.message.contains("sssssssss"))
            #expect(!JSONWriter.string(error.json).contains("sekrit"))
        }
    }

    @Test func ownerShapes() {
        guard case .failure(let kind) = Self.request(["payload": [], "owner": ["kind": "session"]]) else { Issue.record("accepted"); return }
        #expect(kind.path == "/owner/kind")
        guard case .failure(let task) = Self.request(["payload": [], "owner": ["taskId": 3]]) else { Issue.record("accepted"); return }
        #expect(task.path == "/owner/taskId")
        guard case .failure(let notObject) = Self.request(["payload": [], "owner": "me"]) else { Issue.record("accepted"); return }
        #expect(notObject.path == "/owner")
    }

    @Test func envelopeParams() {
        #expect(A2UIEnvelopeParams(["envelope": Self.one]).envelope == Self.one)
        #expect(A2UIEnvelopeParams(["version": "v0.9", "deleteSurface": ["surfaceId": "s"]]).envelope
            == ["version": "v0.9", "deleteSurface": ["surfaceId": "s"]])
        // An envelope key beside others is not a wrapper.
        #expect(A2UIEnvelopeParams(["envelope": Self.one, "x": 1]).envelope == ["envelope": Self.one, "x": 1])
    }
}
