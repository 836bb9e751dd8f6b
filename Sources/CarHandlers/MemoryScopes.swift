import CarFiles
import CarIO
import CarMemory
import Synchronization

/// The daemon-owned memory graphs, as the seed's `ServerStateConfig` lays them out: an
/// optional graph shared by every connection (an embedder's, or `--shared-memory`), and the
/// namespace graphs `session.auth {memory_namespace}` binds to, each persisted at
/// `<memory root>/memory-namespaces/<encoded>.json` and loaded on first use.
///
/// Bounds: a namespace graph stays resident while a session is bound to it (or a write on it
/// is in flight); once unbound it is kept for a quick rebind, but only the
/// `maxUnboundResident` most recently used such graphs are: older ones are dropped and read
/// back from their snapshot when bound again. Nothing stored is lost, since every write is on
/// disk before its reply. (4,000 long namespace names kept 193 MiB before this bound.)
///
/// File work (snapshot reads and writes, with fsync) runs on the blocking pool, never on the
/// event loop, and is serialized per namespace: the jobs of one namespace run one at a time in
/// the order they were queued, and each writes the graph as it is when the job runs, so the
/// last write on disk always holds every write before it, and a reload after eviction reads
/// the snapshot only after the writes queued before it.
public final class MemoryScopes: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A session's hold on a namespace graph; `id` tells a reloaded graph from an evicted one.
    struct Binding: Sendable {
        let name: String
        let id: UInt64
        let engine: MemoryEngine
    }

    public static let defaultMaxUnboundResident = 64

    /// `<state root>/memory`: the sandbox for persist/load and the home of namespace files.
    public let root: String?
    public let shared: MemoryEngine?
    public let maxUnboundResident: Int
    let pool: BlockingPool

    private struct Resident {
        let id: UInt64
        let engine: MemoryEngine
        /// Sessions bound to it plus writes in flight on it.
        var holds: Int
        var lastUse: UInt64
        /// A write whose snapshot did not land (its task was cancelled before the pool ran it,
        /// or the write failed): the graph holds more than its file, so it is never evicted.
        var unsaved = false
    }

    /// One namespace's queue of file jobs: whether one runs, and who waits for their turn.
    private struct Lane {
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private struct Table {
        var resident: [String: Resident] = [:]
        /// The resident graphs nobody holds, with their last use: the eviction candidates.
        var unbound: [String: UInt64] = [:]
        var tick: UInt64 = 0
        /// The namespaces with a file job running; a lane goes when its last job ends.
        var lanes: [String: Lane] = [:]
    }

    private let table = Mutex(Table())

    public init(root: String?, shared: MemoryEngine?, maxUnboundResident: Int = MemoryScopes.defaultMaxUnboundResident,
                pool: BlockingPool = .shared) {
        self.root = root
        self.shared = shared
        self.maxUnboundResident = max(0, maxUnboundResident)
        self.pool = pool
    }

    /// The file `memory.persist` / `memory.load` may use for `path`: resolved by the sandbox
    /// (realpath, stat, mkdir) on the pool, the memory root created on first use.
    func sandboxed(_ path: String, creatingParents: Bool) async throws -> String {
        guard let root else { throw Failure(description: "this daemon has no memory root: persist and load are disabled") }
        let sandbox = MemorySandbox(root: root)
        return try await pool.run {
            try? FileSystem.makeDirectories(root)
            return try sandbox.resolve(path, creatingParents: creatingParents)
        }
    }

    /// Binds one more holder to the namespace's graph, reading it from its snapshot (on the
    /// pool) when it is not resident. The name must already be valid (`NamespaceFileName`).
    /// Loads go through the namespace's lane, so two sessions binding at once share one graph
    /// and a reload after eviction reads the file only after the writes queued before it.
    func bind(namespace name: String) async throws(Failure) -> Binding {
        guard let root else { throw Failure(description: "this daemon has no memory root: namespaces are disabled") }
        if let binding = hold(name) { return binding }
        let path = NamespaceFileName.snapshotPath(root: root, namespace: name)
        do {
            return try await serialized(name) { [self] in
                if let binding = hold(name) { return binding }
                let engine = MemoryEngine()
                if FileSystem.exists(path) {
                    do {
                        _ = try engine.load(from: path)
                    } catch {
                        throw Failure(description: "memory namespace '\(name)': cannot read \(path): \(error)")
                    }
                }
                // Only lane jobs insert, and this one holds the lane: nobody inserted meanwhile.
                return table.withLock { table in
                    table.tick += 1
                    table.resident[name] = Resident(id: table.tick, engine: engine, holds: 1, lastUse: table.tick)
                    return Binding(name: name, id: table.tick, engine: engine)
                }
            }
        } catch {
            throw (error as? Failure) ?? Failure(description: "memory namespace '\(name)': \(error)")
        }
    }

    /// A hold on the resident graph of `name`, if there is one.
    private func hold(_ name: String) -> Binding? {
        table.withLock { table in
            guard var resident = table.resident[name] else { return nil }
            table.tick += 1
            resident.holds += 1
            resident.lastUse = table.tick
            table.resident[name] = resident
            table.unbound[name] = nil
            return Binding(name: name, id: resident.id, engine: resident.engine)
        }
    }

    /// One more hold on a binding's graph (a write in flight), or a failure when the graph is
    /// no longer the resident one, so a write never lands in a graph that was dropped.
    func retain(_ binding: Binding) throws(Failure) {
        let held = table.withLock { table -> Bool in
            guard var resident = table.resident[binding.name], resident.id == binding.id else { return false }
            table.tick += 1
            resident.holds += 1
            resident.lastUse = table.tick
            table.resident[binding.name] = resident
            table.unbound[binding.name] = nil
            return true
        }
        guard held else { throw Failure(description: "memory namespace '\(binding.name)': this connection's binding has ended") }
    }

    /// Gives back a hold; a graph nobody holds becomes an eviction candidate, and past the
    /// bound the least recently used candidate is dropped.
    func release(_ binding: Binding) {
        table.withLock { table in
            guard var resident = table.resident[binding.name], resident.id == binding.id else { return }
            table.tick += 1
            resident.holds -= 1
            resident.lastUse = table.tick
            table.resident[binding.name] = resident
            guard resident.holds <= 0, !resident.unsaved else { return }
            table.unbound[binding.name] = resident.lastUse
            while table.unbound.count > maxUnboundResident,
                  let oldest = table.unbound.min(by: { $0.value < $1.value })?.key {
                table.unbound[oldest] = nil
                table.resident[oldest] = nil
            }
        }
    }

    /// Writes the namespace's graph to its snapshot (atomically, on the pool), before the
    /// write's reply. A snapshot that did not land marks the graph unsaved until one does.
    func persist(_ binding: Binding) async throws(Failure) {
        guard let root else { return }
        let path = NamespaceFileName.snapshotPath(root: root, namespace: binding.name)
        let engine = binding.engine
        do {
            _ = try await serialized(binding.name) {
                try? FileSystem.makeDirectories(FileSystem.parent(of: path))
                do {
                    return try engine.persist(to: path)
                } catch {
                    throw Failure(description: "memory namespace '\(binding.name)': cannot write \(path): \(error)")
                }
            }
            mark(binding, unsaved: false)
        } catch {
            mark(binding, unsaved: true)
            throw (error as? Failure) ?? Failure(description: "memory namespace '\(binding.name)': \(error)")
        }
    }

    private func mark(_ binding: Binding, unsaved: Bool) {
        table.withLock { table in
            guard table.resident[binding.name]?.id == binding.id else { return }
            table.resident[binding.name]?.unsaved = unsaved
        }
    }

    /// Resident namespace graphs, and those of them nobody holds: for status and tests.
    public var residentCount: Int { table.withLock { $0.resident.count } }
    public var unboundResidentCount: Int { table.withLock { $0.unbound.count } }

    /// Runs `body` on the pool once every job queued before it on the same namespace is done.
    /// The turn is handed over through continuations, not tasks, so waiting needs no thread.
    private func serialized<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let runNow = table.withLock { table -> Bool in
                if table.lanes[name] == nil {
                    table.lanes[name] = Lane()
                    return true
                }
                table.lanes[name]?.waiting.append(turn)
                return false
            }
            if runNow { turn.resume() }
        }
        defer {
            let next = table.withLock { table -> CheckedContinuation<Void, Never>? in
                guard var lane = table.lanes[name], !lane.waiting.isEmpty else {
                    table.lanes[name] = nil
                    return nil
                }
                let next = lane.waiting.removeFirst()
                table.lanes[name] = lane
                return next
            }
            next?.resume()
        }
        return try await pool.run(body)
    }
}
