import CarJSON

/// Who a surface's actions go back to. Holds no credential: renderers see owners, and the
/// bearer or header an A2A route needs stays in the store's route table (`A2UIRouteAuth`).
public enum A2UISurfaceOwner: Sendable, Equatable {
    /// The connection that applied it (`a2ui.apply`).
    case session(clientID: String)
    /// An A2A peer's task (`a2ui.ingest` of a peer's reply, `a2a.send`).
    case a2a(taskID: String?, contextID: String?, endpoint: String?)

    public var json: JSONValue {
        switch self {
        case .session(let clientID):
            return ["kind": "session", "clientId": .string(clientID)]
        case .a2a(let taskID, let contextID, let endpoint):
            var object: [String: JSONValue] = ["kind": "a2a"]
            if let taskID { object["taskId"] = .string(taskID) }
            if let contextID { object["contextId"] = .string(contextID) }
            if let endpoint { object["endpoint"] = .string(endpoint) }
            return .object(object)
        }
    }
}

/// The credential an A2A continuation carries, kept server-side only. Its description is
/// redacted so a log line or an error that interpolates it never prints the secret.
public enum A2UIRouteAuth: Sendable, Equatable, CustomStringConvertible {
    case bearer(token: String)
    case header(name: String, value: String)

    public var description: String {
        switch self {
        case .bearer: "bearer <redacted>"
        case .header(let name, _): "header \(name) <redacted>"
        }
    }
}
