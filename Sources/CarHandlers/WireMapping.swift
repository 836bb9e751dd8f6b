import CarEngine
import CarGenerated
import CarIR
import CarRPC

// Conversions between the generated wire types and the domain's own, kept in one place so
// handlers stay one line of intent each.

extension ToolSchema {
    init(wire: CarSchemas.ToolSchema) {
        self.init(
            name: wire.name, description: wire.description ?? "", parameters: wire.parameters ?? .object([:]),
            returns: wire.returns, idempotent: wire.idempotent ?? false,
            cacheTTLSeconds: wire.cacheTtlSecs.map { UInt64(max(0, $0)) },
            rateLimit: wire.rateLimit.map { RateLimit(maxCalls: UInt32(clamping: $0.maxCalls), intervalSeconds: $0.intervalSecs) })
    }

    var wire: CarSchemas.ToolSchema {
        CarSchemas.ToolSchema(
            cacheTtlSecs: cacheTTLSeconds.map { Int(clamping: $0) }, description: description, idempotent: idempotent,
            name: name, parameters: parameters,
            rateLimit: rateLimit.map { CarSchemas.ToolRateLimit(intervalSecs: $0.intervalSeconds, maxCalls: Int($0.maxCalls)) },
            returns: returns)
    }
}

extension PolicyScope {
    /// `"global"` or `{"session_id": id}`, as the protocol reports a policy's scope.
    var wire: JSONValue {
        switch self {
        case .global: .string("global")
        case .session(let id): .object(["session_id": .string(id)])
        }
    }

    init(sessionID: String?) {
        if let sessionID, !sessionID.isEmpty { self = .session(sessionID) } else { self = .global }
    }
}
