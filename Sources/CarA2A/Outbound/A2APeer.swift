import CarJSON

/// A registered remote A2A agent: `slug` is the organization segment of its skills'
/// identifiers in discovery, `url` its canonical base URL.
public struct A2APeer: Sendable, Equatable, Hashable {
    public var slug: String
    public var url: String
    public var label: String?

    public init(slug: String, url: String, label: String? = nil) {
        self.slug = slug
        self.url = url
        self.label = label
    }

    /// The `PeerEntry` shape of `a2a.peers.*`, and of an entry in `a2a-peers.json`.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["slug": .string(slug), "url": .string(url)]
        if let label { object["label"] = .string(label) }
        return .object(object)
    }
}
