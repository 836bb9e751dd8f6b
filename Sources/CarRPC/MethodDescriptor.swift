/// Who may call a client→server method. With auth disabled the connection is the authority
/// and every requirement is met.
public enum AuthRequirement: String, Sendable, Hashable {
    /// Callable before `session.auth` (only the auth method itself).
    case none
    /// Any authenticated connection.
    case session
    /// A connection that presented the host token.
    case host
    /// A connection bound to a supervised agent identity.
    case agent
}

public enum ApprovalRequirement: String, Sendable, Hashable {
    case none
    /// A person must approve each call before the handler runs (the approval gate).
    case gated
}

public enum HandshakeRequirement: String, Sendable, Hashable {
    case none
    /// Answers -32005 until the connection has negotiated a protocol version.
    case required
    /// The method that negotiates the protocol version (`server.handshake`).
    case initiates
}

public enum MethodDirection: String, Sendable, Hashable {
    case clientToServer
    case serverToClient
}

public enum MethodKind: String, Sendable, Hashable {
    case request
    case notification
}

/// Everything the spec says about a method that the runtime needs to enforce or introspect.
public struct MethodDescriptor: Sendable, Hashable {
    public var name: String
    public var kind: MethodKind
    public var direction: MethodDirection
    public var summary: String
    public var auth: AuthRequirement
    public var approval: ApprovalRequirement
    public var handshake: HandshakeRequirement
    /// Per-method handler deadline; nil means the server-wide default.
    public var deadlineMilliseconds: Int?
    /// Error codes the method may answer with, as listed in the spec.
    public var errorCodes: [Int]
    /// When set, a params decoding failure answers this code instead of -32602
    /// (`server.handshake` reports a malformed version as a protocol mismatch).
    public var paramsErrorCode: Int?
    public var paramsErrorPrefix: String?

    public init(
        name: String, kind: MethodKind, direction: MethodDirection, summary: String,
        auth: AuthRequirement, approval: ApprovalRequirement, handshake: HandshakeRequirement,
        deadlineMilliseconds: Int?, errorCodes: [Int], paramsErrorCode: Int? = nil, paramsErrorPrefix: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.direction = direction
        self.summary = summary
        self.auth = auth
        self.approval = approval
        self.handshake = handshake
        self.deadlineMilliseconds = deadlineMilliseconds
        self.errorCodes = errorCodes
        self.paramsErrorCode = paramsErrorCode
        self.paramsErrorPrefix = paramsErrorPrefix
    }
}

/// A method as a type: its descriptor plus its params and result types. Generated for every
/// method in the spec, so a typed call names the method exactly once.
public protocol RPCMethod: Sendable {
    associatedtype Params: Codable & Sendable
    static var descriptor: MethodDescriptor { get }
}

public protocol RPCRequestMethod: RPCMethod {
    associatedtype Result: Codable & Sendable
}

public protocol RPCNotificationMethod: RPCMethod {}

/// Params of a method that takes none. Decodes from an absent, `null` or `{}` params value.
public struct NoParams: Codable, Hashable, Sendable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }
    private enum NoKeys: CodingKey {}
}
