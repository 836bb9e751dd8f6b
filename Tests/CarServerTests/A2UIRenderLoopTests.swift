import CarHandlers
import Glibc
import CarJSON
import CarTestSupport
import Testing
@testable import CarServer

/// The UI-improvement loop over a real socket: a renderer's report becomes a patch on the
/// common apply path (subscribers see it), a stale report changes nothing, repeats cool down,
/// the budget stops a loop that never converges, and outcomes land in the shared graph.
@Suite("daemon: A2UI render loop")
struct A2UIRenderLoopTests {
    final class Connection {
        let client: WebSocketTestClient
        private var nextID = 1
        /// Notifications read while waiting for a reply, oldest first.
        var notifications: [JSONValue] = []

        init(port: Int) throws {
            client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 5)
        }

        func call(_ method: String, _ params: JSONValue) throws -> JSONValue {
            nextID += 1
            let id = JSONValue.int(Int64(nextID))
            try client.sendText(JSONWriter.string(["jsonrpc": "2.0", "id": id, "method": .string(method), "params": params]))
            while true {
                let message = try JSONParser.parse(try #require(try client.receiveJSONText()))
                if message["id"] == id { return message }
                notifications.append(message)
            }
        }

        func result(_ method: String, _ params: JSONValue) throws -> JSONValue {
            let reply = try call(method, params)
            return try #require(reply["result"], "\(method) answered \(reply)")
        }
    }

    static func daemon(ttl: Int64? = nil) throws -> (CarDaemon, Int) {
        var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: EchoServer.temporaryDirectory())
        if let ttl { state.a2uiLimits.surfaceTTLSeconds = ttl }
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0), state: state, logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    static func text(_ surface: String, _ text: String) -> JSONValue {
        ["version": "v0.9", "updateComponents": ["surfaceId": .string(surface), "components": [
            ["id": "root", "component": "Column", "children": ["long"]],
            ["id": "long", "component": "Text", "text": .string(text)],
        ]]]
    }

    static func create(_ surface: String) -> JSONValue {
        ["version": "v0.9", "createSurface": ["surfaceId": .string(surface), "catalogId": "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"]]
    }

    static func overflow(_ surface: String, revision: Int64) -> JSONValue {
        ["surfaceId": .string(surface), "revision": .int(revision), "renderer": "test",
         "issues": [["kind": "textOverflow", "componentId": "long", "detail": ["scrollWidth": 1000, "clientWidth": 250]]]]
    }

    @Test func aReportBecomesAPatchEverySubscriberSeesAndItsOutcomeIsRemembered() throws {
        let (daemon, port) = try Self.daemon()
        defer { daemon.shutdown() }
        let agent = try Connection(port: port), watcher = try Connection(port: port)
        _ = try watcher.result("a2ui/subscribe", [:])
        _ = try agent.result("a2ui.apply", Self.create("loop"))
        let long = String(repeating: "unbreakable", count: 40)
        #expect(try agent.result("a2ui.apply", Self.text("loop", long))["surface"]?["revision"] == 2)

        let decision = try agent.result("a2ui.render_report", Self.overflow("loop", revision: 2))
        #expect(decision["decision"] == "patched")
        #expect(decision["strategy"] == "truncateText")
        let patched = try #require(decision["applied"]?["surface"])
        #expect(patched["revision"] == 3)
        let cut = try #require(patched["components"]?.arrayValue?.first { $0["id"] == "long" }?["text"]?.stringValue)
        #expect(cut.count < long.count && cut.hasSuffix("…"))

        // The watcher saw the report and then the patch, on the one a2ui.event channel.
        _ = try watcher.result("server.ping", [:])
        let kinds = watcher.notifications.compactMap { $0["params"]?["kind"]?.stringValue }
        #expect(kinds.suffix(2) == ["a2ui.render_report", "a2ui.surface_updated"], "\(kinds)")
        #expect(watcher.notifications.last?["params"]?["result"]?["surface"]?["revision"] == 3)

        // A report about the revision before the patch is stale: nothing more happens.
        #expect(try agent.result("a2ui.render_report", Self.overflow("loop", revision: 2))["decision"] == "none")
        // The renderer drew the patch without overflow: the strategy's outcome is a fact.
        #expect(try agent.result("a2ui.render_report", ["surfaceId": "loop", "revision": 3, "issues": []])["decision"] == "none")
        let facts = try agent.result("memory.query", ["query": "a2ui.strategy.truncateText resolved", "k": 10]).arrayValue ?? []
        let bodies = facts.compactMap { $0["content"]?.stringValue ?? $0["body"]?.stringValue ?? JSONWriter.string($0) }
        #expect(bodies.contains { $0.contains("truncateText patched") }, "\(facts)")
        #expect(bodies.contains { $0.contains("truncateText resolved") }, "\(facts)")
    }

    @Test func aLoopThatNeverConvergesStopsAtTheBudgetAndRepeatsCoolDown() throws {
        let (daemon, port) = try Self.daemon()
        defer { daemon.shutdown() }
        let agent = try Connection(port: port)
        _ = try agent.result("a2ui.apply", Self.create("fight"))
        // An agent that puts a new long text back after every patch: five patches, then no more.
        var decisions: [String] = []
        for round in 0..<7 {
            let revision = try #require(try agent.result("a2ui.apply", Self.text("fight", "round \(round) " + String(repeating: "x", count: 400)))["surface"]?["revision"]?.intValue)
            decisions.append(try agent.result("a2ui.render_report", Self.overflow("fight", revision: revision))["decision"]?.stringValue ?? "?")
        }
        #expect(decisions == ["patched", "patched", "patched", "patched", "patched", "budgetExhausted", "budgetExhausted"])
        let capabilities = try agent.result("a2ui.capabilities", [:])
        #expect(capabilities["renderLoop"]?["maxPatchesPerSurface"] == 5)

        // The same text back each time: the second identical patch cools the surface down.
        _ = try agent.result("a2ui.apply", Self.create("repeat"))
        var repeats: [String] = []
        for _ in 0..<3 {
            let revision = try #require(try agent.result("a2ui.apply", Self.text("repeat", String(repeating: "y", count: 400)))["surface"]?["revision"]?.intValue)
            repeats.append(try agent.result("a2ui.render_report", Self.overflow("repeat", revision: revision))["decision"]?.stringValue ?? "?")
        }
        #expect(repeats == ["patched", "cooldown", "cooldown"])
        // Deleting the surface forgets its budget: a new one of the same id starts afresh.
        _ = try agent.result("a2ui.apply", ["version": "v0.9", "deleteSurface": ["surfaceId": "fight"]])
        _ = try agent.result("a2ui.apply", Self.create("fight"))
        let revision = try #require(try agent.result("a2ui.apply", Self.text("fight", String(repeating: "z", count: 400)))["surface"]?["revision"]?.intValue)
        #expect(try agent.result("a2ui.render_report", Self.overflow("fight", revision: revision))["decision"] == "patched")
    }

    @Test func reportsAreCheckedBeforeAnythingHappens() throws {
        let (daemon, port) = try Self.daemon()
        defer { daemon.shutdown() }
        let agent = try Connection(port: port)
        let unknown = try agent.call("a2ui.render_report", ["surfaceId": "none", "issues": []])
        #expect(unknown["error"]?["code"] == -32602)
        #expect(unknown["error"]?["data"]?["kind"] == "SurfaceNotFound")
        _ = try agent.result("a2ui.apply", Self.create("big"))
        let issues = JSONValue.array(Array(repeating: ["kind": "emptyList", "componentId": "x"], count: 257))
        #expect(try agent.call("a2ui.render_report", ["surfaceId": "big", "issues": issues])["error"]?["data"]?["kind"] == "LimitExceeded")
        #expect(try agent.call("a2ui.render_report", ["surfaceId": "big", "issues": [["kind": "glitch", "componentId": "x"]]])["error"]?["code"] == -32602)
    }

    @Test func hostileMeasurementsAndPathsAreRefusedNotFatal() throws {
        let (daemon, port) = try Self.daemon()
        defer { daemon.shutdown() }
        let agent = try Connection(port: port)
        _ = try agent.result("a2ui.apply", Self.create("list"))
        _ = try agent.result("a2ui.apply", ["version": "v0.9", "updateComponents": ["surfaceId": "list", "components": [
            ["id": "root", "component": "List", "children": ["a", "b"]],
            ["id": "a", "component": "Text", "text": "a"], ["id": "b", "component": "Text", "text": "b"],
        ]]])
        for huge in [1e300, -1e300, 1e10] {
            let reply = try agent.call("a2ui.render_report", ["surfaceId": "list", "issues": [
                ["kind": "listOverflow", "componentId": "root", "detail": ["visibleCount": .double(huge)]]]])
            #expect(reply["error"]?["code"] == -32602, "\(reply)")
        }
        // 32,000 segments (64 KiB, under the string limit) would nest the model past any parser.
        let deep = String(repeating: "/a", count: 32_000)
        let refused = try agent.call("a2ui.apply", ["version": "v0.9", "updateDataModel": ["surfaceId": "list", "path": .string(deep), "value": 1]])
        #expect(refused["error"]?["data"]?["kind"] == "LimitExceeded")
        let fine = try agent.result("a2ui.apply", ["version": "v0.9", "updateDataModel": ["surfaceId": "list", "path": .string(String(repeating: "/a", count: 40)), "value": 1]])
        #expect(fine["surface"]?["revision"] == 3)
        #expect(try agent.result("a2ui.capabilities", [:])["version"] == "v0.9")
    }

    @Test func expiredSurfacesAreAnnouncedAndForgottenWithTheirLoopState() throws {
        let (daemon, port) = try Self.daemon(ttl: 1)
        defer { daemon.shutdown() }
        let agent = try Connection(port: port), watcher = try Connection(port: port)
        _ = try watcher.result("a2ui/subscribe", [:])
        _ = try agent.result("a2ui.apply", Self.create("brief"))
        for round in 0..<6 {
            let revision = try #require(try agent.result("a2ui.apply", Self.text("brief", "r\(round) " + String(repeating: "q", count: 400)))["surface"]?["revision"]?.intValue)
            _ = try agent.result("a2ui.render_report", Self.overflow("brief", revision: revision))
        }
        usleep(1_200_000)
        // Gone by a2ui.reap or the daemon's own sweep (every second at this TTL), announced either way.
        let removed = try agent.result("a2ui.reap", [:])["removed"]?.arrayValue ?? []
        #expect(removed.isEmpty || removed == ["brief"])
        var deleted: JSONValue?
        for _ in 0..<30 where deleted == nil {
            _ = try watcher.result("server.ping", [:])
            deleted = watcher.notifications.last { $0["params"]?["kind"] == "a2ui.surface_deleted" }
            if deleted == nil { usleep(100_000) }
        }
        #expect(deleted?["params"]?["result"]?["surfaceId"] == "brief")
        #expect(try agent.result("a2ui.get", ["surfaceId": "brief"]) == .null)
        // The same id again starts with a full budget and no cooldown.
        _ = try agent.result("a2ui.apply", Self.create("brief"))
        let revision = try #require(try agent.result("a2ui.apply", Self.text("brief", String(repeating: "w", count: 400)))["surface"]?["revision"]?.intValue)
        #expect(try agent.result("a2ui.render_report", Self.overflow("brief", revision: revision))["decision"] == "patched")
    }

    @Test func aPatchTheStoreRefusesCostsNothing() throws {
        var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: EchoServer.temporaryDirectory())
        state.a2uiLimits.maxComponents = 1
        let daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state, logger: Logger(minimum: .error)))
        let port = try daemon.start().tcpPort
        defer { daemon.shutdown() }
        let agent = try Connection(port: port)
        _ = try agent.result("a2ui.apply", Self.create("full"))
        _ = try agent.result("a2ui.apply", ["version": "v0.9", "updateComponents": ["surfaceId": "full", "components": [
            ["id": "root", "component": "List", "children": []]]]])
        // The empty-list placeholder would be a second component: refused, so nothing is spent.
        let decision = try agent.result("a2ui.render_report", ["surfaceId": "full", "issues": [["kind": "emptyList", "componentId": "root"]]])
        #expect(decision["decision"] == "none")
        #expect(decision["patchRefused"]?["kind"] == "LimitExceeded")
        #expect(try agent.result("a2ui.render_report", ["surfaceId": "full", "issues": [["kind": "emptyList", "componentId": "root"]]])["decision"] == "none")
        #expect(daemon.state.a2ui.budget.spent("full") == 0)
    }
}

