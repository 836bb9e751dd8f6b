/// Where an A2A-owned surface's actions continue: the peer's endpoint and the credential to
/// send, both known only to the daemon.
public struct A2UIRoute: Sendable, Equatable {
    public let endpoint: String
    public let auth: A2UIRouteAuth?

    public init(endpoint: String, auth: A2UIRouteAuth?) {
        self.endpoint = endpoint
        self.auth = auth
    }
}
