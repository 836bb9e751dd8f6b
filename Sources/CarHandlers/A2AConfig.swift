import CarA2A

/// What an embedder (or the daemon's flags) decides about A2A: the seed's `a2a_runtime`,
/// `a2a_store` and `a2a_card_source` overrides, the card's defaults and where peers are kept.
public struct A2AConfig: Sendable {
    /// Serves the in-core dispatcher's work; nil: the daemon's built-in agent tools.
    public var runtime: (any A2ARuntime)?
    /// Keeps the in-core dispatcher's tasks; nil: in memory, bounded (`--a2a-store` passes a log).
    public var store: (any A2ATaskStore)?
    /// Builds the agent card; nil: the default card from the runtime's tools.
    public var cardSource: (any A2ACardSource)?
    /// The card's name, description and provider unless `a2a.start` says otherwise.
    public var card = A2ACardInfo()
    /// `$CAR_HOME/a2a-peers.json`; nil keeps no registry (a2a.peers.* then fail).
    public var peersPath: String?
    public var client = A2AClientLimits()
    /// The bearer tokens issued for A2A peers (`$CAR_HOME/a2a-tokens.json`); in memory by default.
    public var tokens = A2AAccessTokens(path: nil)

    public init() {}
}
