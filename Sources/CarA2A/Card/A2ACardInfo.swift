/// What the agent card says about this agent, apart from its skills.
public struct A2ACardInfo: Sendable, Equatable {
    public var name: String
    public var description: String
    public var organization: String
    public var organizationURL: String
    /// The agent's own version (the card's `version`), not a protocol version.
    public var version: String
    /// The JSON-RPC endpoint's absolute URL: clients POST to it verbatim, so it must be one
    /// they can reach. Empty by default: whoever serves the card sets it (an empty `url` is
    /// not a valid card).
    public var publicURL: String
    /// The endpoint wants `Authorization: Bearer <token>`: the card declares an HTTP bearer
    /// scheme and requires it (the SDK client's `AuthInterceptor` only sends a credential for a
    /// scheme the card both declares and requires).
    public var requiresBearer: Bool

    /// This implementation's version (`car-server-swift 0.1.0`).
    public static let defaultVersion = "0.1.0"

    public init(name: String = "Common Agent Runtime",
                description: String = "CAR: runs the tools registered with it and answers messages, as an A2A agent.",
                organization: String = "Parslee", organizationURL: String = "https://parslee.ai",
                version: String = A2ACardInfo.defaultVersion, publicURL: String = "", requiresBearer: Bool = false) {
        self.name = name
        self.description = description
        self.organization = organization
        self.organizationURL = organizationURL
        self.version = version
        self.publicURL = publicURL
        self.requiresBearer = requiresBearer
    }
}
