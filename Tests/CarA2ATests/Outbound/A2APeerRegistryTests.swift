import CarA2A
import CarJSON
import Foundation
import Glibc
import Testing

/// The file-backed peer registry: canonical URLs, slugs, the trust gate, persistence, and a
/// damaged file left as it is.
@Suite struct A2APeerRegistryTests {
    static func directory() -> String {
        var template = Array("/tmp/car-a2a-peers-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    static func registry(_ directory: String = directory(), limits: A2APeerRegistryLimits = A2APeerRegistryLimits()) -> A2APeerRegistry {
        A2APeerRegistry(path: directory + "/a2a-peers.json", limits: limits)
    }

    static func failure(_ body: () async throws(A2AError) -> Void) async -> A2AError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    @Test(arguments: [
        ("HTTP://LocalHost:80/", "http://localhost"),
        ("http://127.0.0.1:8080/a2a/", "http://127.0.0.1:8080/a2a"),
        ("https://127.0.0.1:443", "https://127.0.0.1"),
        ("https://127.0.0.1:80/x", "https://127.0.0.1:80/x"),
        ("http://[::1]:9000//", "http://[::1]:9000"),
        ("http://localhost/Case/Kept", "http://localhost/Case/Kept"),
    ])
    func urlsAreCanonicalized(input: String, canonical: String) async throws {
        let peer = try await Self.registry().add(url: input)
        #expect(peer.url == canonical)
    }

    @Test(arguments: [
        "ftp://localhost/", "http://localhost/?q=1", "http://localhost/#top", "http://user@localhost/",
        "http://localhost:0/", "localhost:8080", "http://", "http://local host/",
    ])
    func invalidURLsAreRefused(url: String) async {
        let registry = Self.registry()
        let error = await Self.failure { () throws(A2AError) in _ = try await registry.add(url: url, allowUntrusted: true) }
        #expect(error?.code == -32602)
        #expect(await registry.list().isEmpty)
    }

    @Test func slugsComeFromTheHostAndAreUnique() async throws {
        let registry = Self.registry()
        let first = try await registry.add(url: "http://127.0.0.1:7001", label: "first")
        let second = try await registry.add(url: "http://127.0.0.1:7002")
        let third = try await registry.add(url: "http://127.0.0.1:7003")
        let named = try await registry.add(url: "http://localhost:7004")
        let remote = try await registry.add(url: "https://Agents.Example.COM/a2a", allowUntrusted: true)
        #expect([first.slug, second.slug, third.slug, named.slug, remote.slug]
            == ["127-0-0-1", "127-0-0-1-2", "127-0-0-1-3", "localhost", "agents-example-com"])
        #expect(first.label == "first" && second.label == nil)
        #expect(await registry.list() == [first, second, third, named, remote])
        #expect(first.json == ["slug": "127-0-0-1", "url": "http://127.0.0.1:7001", "label": "first"])
    }

    @Test func aDuplicateCanonicalURLIsRefusedNamingTheExistingSlug() async throws {
        let registry = Self.registry()
        _ = try await registry.add(url: "http://localhost:9100/a2a")
        let error = await Self.failure { () throws(A2AError) in _ = try await registry.add(url: "HTTP://LOCALHOST:9100/a2a/") }
        #expect(error?.code == -32602)
        #expect(error?.message.contains("already registered as localhost") == true)
        #expect(await registry.list().count == 1)
    }

    @Test func theTrustGateRefusesNonLoopbackUnlessAllowed() async throws {
        let registry = Self.registry()
        let error = await Self.failure { () throws(A2AError) in _ = try await registry.add(url: "https://agents.example.com") }
        #expect(error?.code == -32602)
        #expect(error?.message.contains("allowUntrusted") == true)
        #expect(await registry.list().isEmpty)
        let peer = try await registry.add(url: "https://agents.example.com", allowUntrusted: true)
        #expect(peer.url == "https://agents.example.com")
    }

    @Test func boundsAreEnforced() async throws {
        let registry = Self.registry(limits: A2APeerRegistryLimits(maxPeers: 2))
        _ = try await registry.add(url: "http://localhost:1")
        _ = try await registry.add(url: "http://localhost:2")
        let full = await Self.failure { () throws(A2AError) in _ = try await registry.add(url: "http://localhost:3") }
        #expect(full?.message.contains("already holds 2 peers") == true)
        let label = await Self.failure { () throws(A2AError) in
            _ = try await Self.registry().add(url: "http://localhost:4", label: String(repeating: "l", count: 201))
        }
        #expect(label?.message.contains("label is longer than 200") == true)
        let long = await Self.failure { () throws(A2AError) in
            _ = try await Self.registry().add(url: "http://localhost/" + String(repeating: "p", count: 2048))
        }
        #expect(long?.message.contains("longer than 2048") == true)
    }

    @Test func peersPersistAcrossReopenAndRemoveWorks() async throws {
        let directory = Self.directory()
        let a = try await Self.registry(directory).add(url: "http://127.0.0.1:8001", label: "alpha")
        let b = try await Self.registry(directory).add(url: "http://127.0.0.1:8002")
        let reopened = Self.registry(directory)
        #expect(await reopened.list() == [a, b])
        let text = try Self.read(directory + "/a2a-peers.json")
        let document = try JSONParser.parse(text)
        #expect(document == ["peers": [a.json, b.json]])

        #expect(try await reopened.remove(slug: a.slug))
        #expect(try await reopened.remove(slug: a.slug) == false)
        #expect(try await reopened.remove(slug: "no such slug") == false)
        #expect(await Self.registry(directory).list() == [b])
        // A freed slug is derived again.
        #expect(try await reopened.add(url: "http://127.0.0.1:8003").slug == a.slug)
    }

    @Test func concurrentAddsAreSerialized() async throws {
        let registry = Self.registry()
        try await withThrowingTaskGroup(of: A2APeer.self) { group in
            for port in 1...20 { group.addTask { try await registry.add(url: "http://localhost:\(port)") } }
            var slugs = Set<String>()
            for try await peer in group { slugs.insert(peer.slug) }
            #expect(slugs.count == 20)
        }
        #expect(await registry.list().count == 20)
    }

    @Test func aMissingFileIsAnEmptyRegistry() async {
        let listing = await Self.registry().listing()
        #expect(listing == A2APeerListing(peers: []))
    }

    @Test(arguments: [
        "not json at all",
        #"{"peers": "nope"}"#,
        #"{"peers":[{"slug":"good","url":"http://localhost:1"},{"slug":"Bad Slug","url":"http://localhost:2"}]}"#,
        #"{"peers":[{"slug":"good","url":"http://localhost:1"},{"slug":"good","url":"http://localhost:2"}]}"#,
        #"{"peers":[{"slug":"good","url":"http://localhost:1"},{"slug":"other","url":"ftp://x"}]}"#,
    ])
    func aDamagedFileIsNeverOverwritten(contents: String) async throws {
        let directory = Self.directory()
        let path = directory + "/a2a-peers.json"
        try Self.write(contents, to: path)
        let registry = Self.registry(directory)

        let listing = await registry.listing()
        #expect(listing.problem?.contains(path) == true)
        // What could be read is still listed.
        let readable = contents.contains(#""slug":"good""#)
        #expect(listing.peers == (readable ? [A2APeer(slug: "good", url: "http://localhost:1")] : []))
        #expect(await registry.list() == listing.peers)

        let added = await Self.failure { () throws(A2AError) in _ = try await registry.add(url: "http://localhost:9") }
        #expect(added?.code == -32603)
        #expect(added?.message.contains(path) == true)
        let removed = await Self.failure { () throws(A2AError) in _ = try await registry.remove(slug: "good") }
        #expect(removed?.message.contains(path) == true)
        #expect(try Self.read(path) == contents)
    }

    @Test func anOversizedFileIsRefused() async throws {
        let directory = Self.directory()
        let path = directory + "/a2a-peers.json"
        try Self.write(#"{"peers":[]}"# + String(repeating: " ", count: 2000), to: path)
        let registry = Self.registry(directory, limits: A2APeerRegistryLimits(maxFileBytes: 1000))
        #expect(await registry.listing().problem == "\(path) is larger than 1000 bytes")
        let error = await Self.failure { () throws(A2AError) in _ = try await registry.add(url: "http://localhost:1") }
        #expect(error?.message.contains("larger than 1000 bytes") == true)
    }
}
