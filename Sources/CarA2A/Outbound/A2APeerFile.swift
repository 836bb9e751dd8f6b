import CarFiles
import CarJSON
import Glibc

/// `a2a-peers.json`: `{"peers":[{"slug","url","label"?}]}`. Blocking: call it on the pool.
enum A2APeerFile {
    /// A missing file is an empty registry. Anything else that is not exactly a list of valid
    /// peers (unreadable, too large, not JSON, a bad or duplicate entry) gives the peers that
    /// could be read plus a problem naming the file, so nothing rewrites it.
    static func load(_ path: String, limits: A2APeerRegistryLimits) -> A2APeerListing {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readWhole(path, limit: limits.maxFileBytes)
        } catch {
            if error.code == ENOENT { return A2APeerListing(peers: []) }
            if error.code == EFBIG { return A2APeerListing(peers: [], problem: "\(path) is larger than \(limits.maxFileBytes) bytes") }
            return A2APeerListing(peers: [], problem: "\(path) cannot be read: \(error)")
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            return A2APeerListing(peers: [], problem: "\(path) is not JSON (\(error))")
        }
        guard let entries = document["peers"]?.arrayValue else {
            return A2APeerListing(peers: [], problem: "\(path) has no \"peers\" list")
        }
        var peers: [A2APeer] = []
        var slugs = Set<String>()
        var urls = Set<String>()
        var problem: String?
        if entries.count > limits.maxPeers {
            problem = "\(path) lists \(entries.count) peers, more than the \(limits.maxPeers) allowed"
        }
        for (index, entry) in entries.prefix(limits.maxPeers).enumerated() {
            switch peer(entry, limits: limits) {
            case .success(let peer) where slugs.contains(peer.slug):
                problem = problem ?? "\(path): entry \(index) repeats the slug \(peer.slug)"
            case .success(let peer) where urls.contains(peer.url):
                problem = problem ?? "\(path): entry \(index) repeats the url \(peer.url)"
            case .success(let peer):
                slugs.insert(peer.slug)
                urls.insert(peer.url)
                peers.append(peer)
            case .failure(let refusal):
                problem = problem ?? "\(path): entry \(index) \(refusal.reason)"
            }
        }
        return A2APeerListing(peers: peers, problem: problem)
    }

    static func save(_ peers: [A2APeer], to path: String) throws(FileSystem.Failure) {
        let document: JSONValue = ["peers": .array(peers.map(\.json))]
        try FileSystem.writeAtomically(Array((JSONWriter.prettyString(document) + "\n").utf8), to: path, mode: 0o600)
    }

    private static func peer(_ entry: JSONValue, limits: A2APeerRegistryLimits) -> Result<A2APeer, A2AEndpoint.Refusal> {
        guard case .object(let members) = entry else { return .failure(.init(reason: "is not an object")) }
        guard let slug = members["slug"]?.stringValue, A2APeerSlug.isValid(slug) else {
            return .failure(.init(reason: "has no valid slug (a-z, 0-9 and '-')"))
        }
        guard let url = members["url"]?.stringValue else { return .failure(.init(reason: "has no url")) }
        let endpoint: A2AEndpoint
        do {
            endpoint = try A2AEndpoint.parse(url, field: "its url", allowQuery: false, maxLength: limits.maxURLLength)
        } catch {
            return .failure(.init(reason: "is refused: \(error.reason)"))
        }
        var label: String?
        switch members["label"] {
        case nil, .null?: label = nil
        case .string(let text)? where text.count <= limits.maxLabelLength: label = text
        default: return .failure(.init(reason: "has a label that is not a string of at most \(limits.maxLabelLength) characters"))
        }
        // A hand-edited url is read in its canonical form, so duplicates are found.
        return .success(A2APeer(slug: slug, url: endpoint.canonical, label: label))
    }
}
