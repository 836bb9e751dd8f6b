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

    /// Fans a user action out: to subscribers (without the route), as a host event (with it),
    /// and, for a peer-owned surface, toward the peer.
    func deliver(_ action: A2UIUserAction) throws(A2UIError) -> (HostEvent, JSONValue) {
        guard let surface = store.surface(action.surfaceID) else {
            throw A2UIError(.surfaceNotFound, "surface \(action.surfaceID) does not exist", path: "/surfaceId", surfaceID: action.surfaceID)
        }
        let owner = surface.owner?.json ?? .null
        let reached = broadcast(kind: "a2ui.action", result: ["surfaceId": .string(surface.id), "action": action.json, "owner": owner])
        var a2a: JSONValue = .null
        if case .a2a? = surface.owner {
            // The A2A client lands with the A2A dispatcher; until then the route says so.
            a2a = ["sent": false, "reason": "this daemon has no A2A client yet; the action reached subscribers only"]
        }
        let route: JSONValue = ["subscribers": .int(Int64(reached)), "a2a": a2a]
        let event = hostRecord(kind: "a2ui.action", message: action.name,
                               payload: ["surfaceId": .string(surface.id), "action": action.json, "owner": owner, "route": route])
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
