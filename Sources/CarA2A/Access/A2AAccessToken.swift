import CarJSON

/// A bearer token issued for one A2A peer (`a2a.tokens.issue`): the peer presents it to this
/// daemon's A2A listeners instead of the daemon's own token, and revoking it shuts out that
/// peer alone. `secret` is shown once, at issue; listings carry only `id` and `label`.
public struct A2AAccessToken: Sendable, Equatable {
    public var id: String
    public var label: String
    /// RFC 3339, UTC.
    public var createdAt: String
    public var secret: String

    public init(id: String, label: String, createdAt: String, secret: String) {
        self.id = id
        self.label = label
        self.createdAt = createdAt
        self.secret = secret
    }

    var fileJSON: JSONValue {
        ["id": .string(id), "label": .string(label), "createdAt": .string(createdAt), "token": .string(secret)]
    }
}

public struct A2AAccessTokenLimits: Sendable {
    public var maxTokens = 256
    public var maxLabelLength = 200
    public var maxFileBytes = 256 << 10
    public var maxWaitingMutations = 64

    public init() {}
}
