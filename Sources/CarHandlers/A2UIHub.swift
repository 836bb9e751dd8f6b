import CarA2UI
import CarGenerated
import CarHost
import CarJSON
import CarMemory
import CarRPC
import Synchronization

/// The daemon's A2UI side (the seed's `a2ui`, `a2ui_subscribers`, `a2ui_route_auth`,
/// `ui_agent`, `ui_agent_oscillation`, `ui_agent_budget`, together): the surface store, the
/// connections that subscribed to its events, and the UI-improvement loop. Every accepted
/// message, whoever sent it (a client, an ingest, the loop), goes through `apply`, so every
/// subscriber and host app sees the same sequence.
public final class A2UIHub: Sendable {
    public let store: A2UISurfaceStore
    let agent = UIImprovementAgent()
    let detector: OscillationDetector
    public let budget: IterationBudget
    private let host: HostState
    /// Where strategy outcomes are recorded (the daemon's shared graph, or one of the hub's
    /// own under `--standalone-memory`).
    let outcomes: MemoryEngine
    private let subscribers = Mutex<[String: ClientSession]>([:])
    /// Patches whose effect the next report will tell: surface → (revision patched, patch).
    let pending = Mutex<[String: PendingOutcome]>([:])
    /// How often each (strategy, outcome) happened, for the loop's facts.
    let outcomeCounts = Mutex<[String: Int]>([:])
    /// Serializes commit-and-broadcast, so subscribers see results in the order they were
    /// committed; the checks run before it, outside.
    private let order = Mutex(())

    init(host: HostState, memory: MemoryEngine, limits: A2UILimits = A2UILimits(), budget: Int = IterationBudget.defaultLimit) {
        self.store = A2UISurfaceStore(limits: limits)
        self.host = host
        self.outcomes = memory
        self.detector = OscillationDetector()
        self.budget = IterationBudget(limit: budget)
    }

    /// What `apply` did, with its wire form, rendered once for the caller and every subscriber.
    public struct Applied: Sendable {
        public let result: A2UIApplyResult
        public let json: JSONValue
    }

    /// Checks and applies one message, then tells subscribers and host apps. An A2A `owner`
    /// (and its `route`) is recorded on the surface the message touched, unless a connection
    /// owns it.
    @discardableResult
    public func apply(_ envelope: JSONValue, owner: A2UISurfaceOwner?, route: A2UIRoute? = nil,
                      expecting expected: A2UISurfaceVersion? = nil) throws(A2UIError) -> Applied {
        let prepared = try store.prepare(envelope, owner: owner, expecting: expected)
        return try order.withLock { _ throws(A2UIError) in
            var result = try store.commit(prepared)
            announceRemoved(result.dropped)
            // A peer's surface (ingest) carries its owner and route before anyone hears of it.
            if case .a2a? = owner, !result.deleted, let owner {
                result = A2UIApplyResult(surfaceID: result.surfaceID, deleted: false,
                                         surface: store.adopt(result.surfaceID, owner: owner, route: route) ?? result.surface)
            }
            if result.deleted { forgetLoopState(result.surfaceID) }
            let kind = result.deleted ? "a2ui.surface_deleted" : "a2ui.surface_updated"
            let json = result.json
            broadcast(kind: kind, result: json)
            var payload: [String: JSONValue] = ["surfaceId": .string(result.surfaceID), "deleted": .bool(result.deleted)]
            if let surface = result.surface { payload["revision"] = .int(surface.revision) }
            hostRecord(kind: kind, message: result.surfaceID, payload: .object(payload))
            return Applied(result: result, json: json)
        }
    }

    /// Removes expired surfaces and whatever the loop kept about them, and tells subscribers
    /// and host apps each is gone (`a2ui.reap`, and the daemon's periodic sweep).
    public func reap() -> [String] {
        order.withLock { _ in
            let removed = store.reap()
            announceRemoved(removed)
            return removed
        }
    }

    /// Under `order`: surfaces the store removed as expired, announced as deletions.
    private func announceRemoved(_ ids: [String]) {
        for id in ids {
            forgetLoopState(id)
            let json = A2UIApplyResult(surfaceID: id, deleted: true, surface: nil).json
            broadcast(kind: "a2ui.surface_deleted", result: json)
            hostRecord(kind: "a2ui.surface_deleted", message: id, payload: ["surfaceId": .string(id), "deleted": true, "expired": true])
        }
    }

    func subscribe(_ session: ClientSession) {
        subscribers.withLock { $0[session.clientID] = session }
    }

    func unsubscribe(clientID: String) {
        subscribers.withLock { _ = $0.removeValue(forKey: clientID) }
    }

    /// Sends an `a2ui.event` to every subscriber, serialized once; answers how many it reached.
    /// A subscriber that stops reading is cut by its connection's bounded queue, never waited on.
    @discardableResult
    func broadcast(kind: String, result: JSONValue) -> Int {
        let targets = subscribers.withLock { Array($0.values) }
        guard !targets.isEmpty else { return 0 }
        CarClientProxy.a2uiEvent(["kind": .string(kind), "result": result], to: targets.map(\.peer))
        return targets.count
    }

    @discardableResult
    func hostRecord(kind: String, message: String, payload: JSONValue) -> HostEvent {
        host.recordDaemonEvent(kind: kind, agentID: nil, message: message, payload: payload)
    }

    private func forgetLoopState(_ surfaceID: String) {
        detector.forget(surfaceID)
        budget.forget(surfaceID)
        pending.withLock { _ = $0.removeValue(forKey: surfaceID) }
    }
}
