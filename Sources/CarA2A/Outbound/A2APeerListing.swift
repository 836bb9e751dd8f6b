/// What the registry file holds: the peers that could be read, and why the rest could not.
/// With a problem set the file is never rewritten (that would drop what could not be read);
/// `add` and `remove` refuse until someone repairs or removes it.
public struct A2APeerListing: Sendable, Equatable {
    public var peers: [A2APeer]
    /// Names the file and what is wrong with it; nil when it read cleanly (or is missing).
    public var problem: String?

    public init(peers: [A2APeer], problem: String? = nil) {
        self.peers = peers
        self.problem = problem
    }
}
