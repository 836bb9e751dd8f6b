import CarFiles
import CarIO

/// The registry of remote A2A peers discovery may call (`a2a.peers.*`), kept in
/// `$CAR_HOME/a2a-peers.json`.
///
/// The file is read on every operation (it is small and bounded), so a hand repair is seen
/// without a restart; writes are atomic (temporary, fsync, rename). All file work runs on the
/// blocking pool: callers are on the event loop. Changes run one at a time, so two adds never
/// both read the old file and the second overwrites the first.
///
/// A file that cannot be read cleanly is never overwritten: `list` returns the peers that
/// could be read, `listing` also says what is wrong, `add`/`remove` fail naming the file.
public final class A2APeerRegistry: Sendable {
    public let path: String
    public let limits: A2APeerRegistryLimits
    private let pool: BlockingPool
    private let gate: A2ASerialGate

    public init(path: String, limits: A2APeerRegistryLimits = A2APeerRegistryLimits(), pool: BlockingPool = .shared) {
        self.path = path
        self.limits = limits
        self.pool = pool
        gate = A2ASerialGate(maxWaiting: limits.maxWaitingMutations, guarding: "the peer registry")
    }

    /// Registers `url` (http or https, no query, fragment or userinfo) in its canonical form:
    /// lowercase scheme and host, no default port, no trailing slash. A non-loopback host is
    /// refused unless `allowUntrusted`: registering a peer makes discovery call it.
    public func add(url: String, label: String? = nil, allowUntrusted: Bool = false) async throws(A2AError) -> A2APeer {
        let endpoint: A2AEndpoint
        do {
            endpoint = try A2AEndpoint.parse(url, field: "url", allowQuery: false, maxLength: limits.maxURLLength)
        } catch {
            throw A2AError(code: A2AError.invalidParamsCode, message: error.reason)
        }
        guard allowUntrusted || endpoint.isLoopback else {
            throw A2AError(code: A2AError.invalidParamsCode,
                           message: "url \(endpoint.canonical) is not a loopback host; set allowUntrusted to register it")
        }
        if let label, label.count > limits.maxLabelLength {
            throw A2AError(code: A2AError.invalidParamsCode, message: "label is longer than \(limits.maxLabelLength) characters")
        }
        let canonical = endpoint.canonical
        let host = endpoint.host
        let path = path
        let limits = limits
        return try await gate.run { () async throws(A2AError) -> A2APeer in
            try await self.onPool { () throws(A2AError) -> A2APeer in
                let current = try Self.writable(path, limits: limits)
                if let existing = current.first(where: { $0.url == canonical }) {
                    throw A2AError(code: A2AError.invalidParamsCode, message: "\(canonical) is already registered as \(existing.slug)")
                }
                guard current.count < limits.maxPeers else {
                    throw A2AError(code: A2AError.invalidParamsCode, message: "the registry already holds \(limits.maxPeers) peers; remove one first")
                }
                let slug = A2APeerSlug.derive(host: host, taken: Set(current.map(\.slug)))
                let peer = A2APeer(slug: slug, url: canonical, label: label)
                try Self.save(current + [peer], to: path)
                return peer
            }
        }
    }

    /// The peers that could be read (see `listing` for why some could not). Never throws: a
    /// read that could not run (the pool is saturated) lists nothing.
    public func list() async -> [A2APeer] {
        await listing().peers
    }

    public func listing() async -> A2APeerListing {
        let path = path
        let limits = limits
        do {
            return try await onPool { () throws(A2AError) in A2APeerFile.load(path, limits: limits) }
        } catch {
            return A2APeerListing(peers: [], problem: "\(path) could not be read now: \(error.message)")
        }
    }

    /// False when no peer has that slug (nothing is written then).
    public func remove(slug: String) async throws(A2AError) -> Bool {
        guard A2APeerSlug.isValid(slug) else { return false }
        let path = path
        let limits = limits
        return try await gate.run { () async throws(A2AError) -> Bool in
            try await self.onPool { () throws(A2AError) -> Bool in
                var current = try Self.writable(path, limits: limits)
                guard let index = current.firstIndex(where: { $0.slug == slug }) else { return false }
                current.remove(at: index)
                try Self.save(current, to: path)
                return true
            }
        }
    }

    // MARK: - On the pool

    /// The peers, when the file may be rewritten; a problem with it is the caller's error.
    private static func writable(_ path: String, limits: A2APeerRegistryLimits) throws(A2AError) -> [A2APeer] {
        let listing = A2APeerFile.load(path, limits: limits)
        if let problem = listing.problem {
            throw A2AError(code: A2AError.internalErrorCode,
                           message: "the peer registry is not changed because \(problem); repair or remove the file")
        }
        return listing.peers
    }

    private static func save(_ peers: [A2APeer], to path: String) throws(A2AError) {
        do {
            try A2APeerFile.save(peers, to: path)
        } catch {
            throw A2AError(code: A2AError.internalErrorCode, message: "could not write the peer registry: \(error)")
        }
    }

    private func onPool<T: Sendable>(_ body: @escaping @Sendable () throws(A2AError) -> T) async throws(A2AError) -> T {
        do {
            return try await pool.run { try body() }
        } catch let error as A2AError {
            throw error
        } catch is CancellationError {
            throw A2AError(code: A2AError.internalErrorCode, message: "the peer registry operation was cancelled")
        } catch {
            throw A2AError(code: A2AError.internalErrorCode, message: "the peer registry is unavailable: \(error)")
        }
    }
}
