import CarA2UI
import CarHost
import CarJSON

/// Ingest, user actions and capabilities: the hub's entry points besides `apply` and reports.
extension A2UIHub {
    /// Applies every envelope the payload carries, each on its own; refusals are listed, the
    /// rest applied. The owner and route go on every surface the payload touched that no
    /// connection owns.
    func ingest(_ request: A2UIIngestRequest) -> JSONValue {
        let scan = A2UIIngestScan(request.payload, limit: store.limits.maxEnvelopesPerIngest)
        let owner = request.owner ?? ((scan.taskID != nil || scan.contextID != nil || request.route != nil)
            ? .a2a(taskID: scan.taskID, contextID: scan.contextID, endpoint: request.route.map { A2UIEndpointTrust.displayed($0.endpoint) }) : nil)
        var applied: [JSONValue] = []
        var rejected: [JSONValue] = []
        for (index, envelope) in scan.envelopes.enumerated() {
            do {
                applied.append(try apply(envelope, owner: owner, route: request.route).json)
            } catch {
                rejected.append(["index": .int(Int64(index)), "error": error.json])
            }
        }
        if scan.truncated {
            rejected.append(["index": .int(Int64(scan.envelopes.count)),
                             "error": A2UIError(.limitExceeded, "the payload carries more than \(store.limits.maxEnvelopesPerIngest) envelopes; the rest were not applied").json])
        }
        return ["applied": .array(applied), "rejected": .array(rejected)]
    }

    /// A user action on its way: what subscribers were told, and where an A2A-owned surface's
    /// continuation goes (the route, with its credential, never leaves the daemon).
    struct ActionDelivery: Sendable {
        let action: A2UIUserAction
        let surfaceID: String
        let owner: JSONValue
        let reached: Int
        /// The peer's task to continue; nil when the owner is not an A2A peer.
        let peer: (taskID: String?, contextID: String?, route: A2UIRoute?)?
    }

    /// Fans a user action out to subscribers (without the route); `record` then makes it a
    /// host event with the route, once any A2A continuation has been sent.
    func deliver(_ action: A2UIUserAction) throws(A2UIError) -> ActionDelivery {
        guard let surface = store.surface(action.surfaceID) else {
            throw A2UIError(.surfaceNotFound, "surface \(action.surfaceID) does not exist", path: "/surfaceId", surfaceID: action.surfaceID)
        }
        let owner = surface.owner?.json ?? .null
        let reached = broadcast(kind: "a2ui.action", result: ["surfaceId": .string(surface.id), "action": action.json, "owner": owner])
        var peer: (String?, String?, A2UIRoute?)?
        if case .a2a(let taskID, let contextID, _)? = surface.owner {
            peer = (taskID, contextID, store.route(for: surface.id))
        }
        return ActionDelivery(action: action, surfaceID: surface.id, owner: owner, reached: reached, peer: peer)
    }

    /// The host event of a delivered action, with its route: how many subscribers it reached
    /// and what the A2A continuation did (`a2a`, null for a surface no peer owns).
    func record(_ delivery: ActionDelivery, a2a: JSONValue) -> (HostEvent, JSONValue) {
        let route: JSONValue = ["subscribers": .int(Int64(delivery.reached)), "a2a": a2a]
        let event = hostRecord(kind: "a2ui.action", message: delivery.action.name,
                               payload: ["surfaceId": .string(delivery.surfaceID), "action": delivery.action.json, "owner": delivery.owner, "route": route])
        return (event, route)
    }

    var capabilities: JSONValue {
        let catalogs = [A2UICatalog.basic, A2UICatalog.car]
        return [
            "version": "v0.9",
            "mimeType": "application/a2ui+json",
            "catalogs": .array(catalogs.map { catalog in
                ["catalogId": .string(catalog.id), "components": .array(catalog.componentNames.map { .string($0) }),
                 "functions": .array(catalog.functions.keys.sorted().map { .string($0) })]
            }),
            "components": .array(A2UICatalog.car.componentNames.map { .string($0) }),
            "limits": store.limits.json,
            "renderLoop": ["maxPatchesPerSurface": .int(Int64(budget.limit)), "cooldownSeconds": .int(detector.cooldownMicros / 1_000_000),
                           "strategies": .array(UIImprovementAgent.Strategy.allCases.map { .string($0.rawValue) })],
        ]
    }
}
