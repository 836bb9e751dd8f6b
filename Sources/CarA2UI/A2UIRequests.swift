import CarJSON

/// `a2ui.apply`'s params: the envelope itself, or `{envelope}`.
public struct A2UIEnvelopeParams: Sendable {
    public let envelope: JSONValue

    public init(_ params: [String: JSONValue]) {
        if params["version"] == nil, params.count == 1, let inner = params["envelope"] {
            envelope = inner
        } else {
            envelope = .object(params)
        }
    }
}

/// `a2ui.ingest`'s params: `{payload, owner?, endpoint?, routeAuth?, allowUntrustedEndpoint?}`,
/// or a raw payload (anything without a `payload` key).
public struct A2UIIngestRequest: Sendable {
    public let payload: JSONValue
    public let owner: A2UISurfaceOwner?
    public let route: A2UIRoute?

    public init(_ params: [String: JSONValue]) throws(A2UIError) {
        guard let payload = params["payload"] else {
            self.payload = .object(params)
            self.owner = nil
            self.route = nil
            return
        }
        self.payload = payload
        var endpoint: String?
        if let value = params["endpoint"] {
            guard let text = value.stringValue else { throw A2UIError(.invalidMessage, "endpoint must be a string", path: "/endpoint") }
            guard A2UIEndpointTrust.host(of: text) != nil else {
                throw A2UIError(.invalidMessage, "endpoint must be an http or https URL", path: "/endpoint")
            }
            let trusted = params["allowUntrustedEndpoint"]?.boolValue ?? false
            guard trusted || A2UIEndpointTrust.isLoopback(text) else {
                throw A2UIError(.invalidMessage, "endpoint \(text) is not loopback; pass allowUntrustedEndpoint: true to trust it", path: "/endpoint")
            }
            endpoint = text
        }
        var auth: A2UIRouteAuth?
        if let value = params["routeAuth"] {
            auth = try Self.routeAuth(value)
            guard endpoint != nil else {
                throw A2UIError(.invalidMessage, "routeAuth needs an endpoint to be sent to", path: "/routeAuth")
            }
        }
        self.route = endpoint.map { A2UIRoute(endpoint: $0, auth: auth) }
        if let value = params["owner"] {
            guard case .object(let fields) = value else { throw A2UIError(.invalidMessage, "owner must be an object", path: "/owner") }
            for key in ["taskId", "contextId", "endpoint"] where fields[key] != nil && fields[key]?.stringValue == nil {
                throw A2UIError(.invalidMessage, "owner.\(key) must be a string", path: "/owner/\(key)")
            }
            if let kind = fields["kind"], kind.stringValue != "a2a" {
                throw A2UIError(.invalidMessage, "owner.kind must be \"a2a\"", path: "/owner/kind")
            }
            owner = .a2a(taskID: fields["taskId"]?.stringValue, contextID: fields["contextId"]?.stringValue,
                         endpoint: endpoint.map(A2UIEndpointTrust.displayed))
        } else {
            owner = nil
        }
    }

    /// The credential, refused with a message that never repeats it.
    public static func routeAuth(_ value: JSONValue) throws(A2UIError) -> A2UIRouteAuth? {
        guard case .object(let fields) = value else { throw A2UIError(.invalidMessage, "routeAuth must be an object", path: "/routeAuth") }
        switch fields["type"]?.stringValue {
        case "none"?:
            return nil
        case "bearer"?:
            guard let token = fields["token"]?.stringValue, !token.isEmpty, token.utf8.count <= 8192 else {
                throw A2UIError(.invalidMessage, "a bearer routeAuth needs a token (at most 8192 bytes)", path: "/routeAuth/token")
            }
            return .bearer(token: token)
        case "header"?:
            guard let name = fields["name"]?.stringValue, A2UIRequestText.isHeaderName(name),
                  let value = fields["value"]?.stringValue, value.utf8.count <= 8192, !value.utf8.contains(where: { $0 == 13 || $0 == 10 }) else {
                throw A2UIError(.invalidMessage, "a header routeAuth needs a header name and a one-line value (at most 8192 bytes)", path: "/routeAuth")
            }
            return .header(name: name, value: value)
        default:
            throw A2UIError(.invalidMessage, "routeAuth.type must be bearer, header or none", path: "/routeAuth/type")
        }
    }
}

enum A2UIRequestText {
    /// An RFC 9110 token: what a header name may be.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256 && name.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// A user's activation of a control (`a2ui.action`), as the A2UI client-to-server `action` has it.
public struct A2UIUserAction: Sendable {
    public static let maxContextBytes = 16 << 10

    public let name: String
    public let surfaceID: String
    public let sourceComponentID: String?
    public let timestamp: String?
    public let context: [String: JSONValue]

    public init(name: String?, surfaceID: String, sourceComponentID: String?, timestamp: String?, context: [String: JSONValue]?) throws(A2UIError) {
        guard let name, !name.isEmpty, name.utf8.count <= 256 else {
            throw A2UIError(.invalidMessage, "an action needs a name (or action) of at most 256 bytes", path: "/name", surfaceID: surfaceID)
        }
        for (field, value) in [("sourceComponentId", sourceComponentID), ("timestamp", timestamp)] where (value?.utf8.count ?? 0) > 256 {
            throw A2UIError(.limitExceeded, "\(field) is over 256 bytes", path: "/\(field)", surfaceID: surfaceID)
        }
        let context = context ?? [:]
        let size = JSONWriter.encodedCount(.object(context))
        guard size <= Self.maxContextBytes else {
            throw A2UIError(.limitExceeded, "context is \(size) bytes; the limit is \(Self.maxContextBytes)", path: "/context", surfaceID: surfaceID)
        }
        self.name = name
        self.surfaceID = surfaceID
        self.sourceComponentID = sourceComponentID
        self.timestamp = timestamp
        self.context = context
    }

    /// The action object subscribers and A2A peers receive.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["name": .string(name), "surfaceId": .string(surfaceID), "context": .object(context)]
        if let sourceComponentID { object["sourceComponentId"] = .string(sourceComponentID) }
        object["timestamp"] = .string(timestamp ?? RFC3339.now())
        return .object(object)
    }
}
