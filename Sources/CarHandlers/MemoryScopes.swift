import CarFiles
import CarIO
import CarMemory
import Synchronization

/// Which graph a session bound to neither a memory namespace nor an agent reads and writes.
/// The protocol's scope table ("### memory" in websocket-protocol.md) makes that the daemon's
/// single shared graph, so facts one client (a WebSocket connection, an MCP session) ingests
/// are what every other unbound client queries: one knowledge base. A namespace or agent
/// binding always wins over this (`ClientSession.effectiveMemory`).
public enum MemoryMode: Sendable {
    /// Every unbound session uses this one graph: its reads (`memory.query`,
    /// `memory.build_context`, `skill.find`, ...) see every unbound session's writes,
    /// `memory.persist` writes all of it, and `memory.load` resets all of it before filling it,
    /// for every unbound session at once. It lives in memory only: it starts empty at each
    /// launch (`memory.persist` saves it; bind a namespace for a graph kept on disk). The
    /// daemon's default, and `ServerStateConfig`'s.
    case shared(MemoryEngine)
    /// Each unbound session gets a graph of its own, made on its first memory call and gone
    /// with its connection; `memory.load` and `memory.persist` touch only that one. The
    /// seed's standalone mode, kept behind `--standalone-memory` / `CAR_STANDALONE_MEMORY=1`.
    case perConnection
}

/// The daemon-owned memory graphs, as the seed's `ServerStateConfig` lays them out: the graph
/// unbound sessions use (`MemoryMode`), the namespace graphs `session.auth {memory_namespace}`
/// binds to, and the per-agent graphs of agents the daemon runs. Each namespace or agent graph
/// is kept as an append-only log (`MemoryLog`): `<memory root>/memory-namespaces/<encoded>.jsonl`
/// or `<memory root>/agents/<id>.jsonl`, replayed on first use.
///
/// Bounds: a graph stays resident while a session is bound to it (or a write or compaction on
/// it is in flight); once unbound it is kept for a quick rebind, but only the
/// `maxUnboundResident` most recently used such graphs are: older ones are dropped and read
/// back from their log when bound again. Nothing stored is lost, since every write is on
/// disk before its reply. (4,000 long namespace names kept 193 MiB before this bound.)
///
/// File work (replay, appends with fsync, compaction) runs on the blocking pool, never on the
/// event loop, and is serialized per graph: the jobs of one graph run one at a time in the
/// order they were queued, so a reload after eviction replays the log only after the writes
/// queued before it. A write's change is queued in memory as it is made (`MemoryLog`), and its
/// job appends whatever is queued: writes that pile up share one append and one fsync.
/// A compaction writes its rewrite beside the writes and takes a turn only to swap files.
public final class MemoryScopes: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A daemon-owned graph: a memory namespace or an agent's own memory.
    public enum Graph: Hashable, Sendable, CustomStringConvertible {
        case namespace(String)
        case agent(String)

        public var description: String {
            switch self {
            case .namespace(let name): "memory namespace '\(name)'"
            case .agent(let id): "memory of agent '\(id)'"
            }
        }
    }

    /// A session's hold on a daemon-owned graph; `id` tells a reloaded graph from an evicted one.
    struct Binding: Sendable {
        let graph: Graph
        let id: UInt64
        let log: MemoryLog
        var engine: MemoryEngine { log.engine }
        /// The namespace's name, for a namespace binding.
        var namespace: String? {
            if case .namespace(let name) = graph { return name }
            return nil
        }
    }

    public static let defaultMaxUnboundResident = 64

    /// `<state root>/memory`: the sandbox for persist/load and the home of namespace files.
    public let root: String?
    /// Which graph unbound sessions use.
    public let mode: MemoryMode
    public let maxUnboundResident: Int
    let pool: BlockingPool

    private struct Resident {
        let id: UInt64
        let log: MemoryLog
        /// Sessions bound to it plus writes in flight on it.
        var holds: Int
        var lastUse: UInt64
        /// A write whose append did not land (its task was cancelled before the pool ran it,
        /// or the write failed): the graph holds more than its file, so it is not evicted
        /// until a later write's append takes the change along.
        var unsaved = false
    }

    /// One graph's queue of file jobs: whether one runs, and who waits for their turn.
    private struct Lane {
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private struct Table {
        var resident: [Graph: Resident] = [:]
        /// The resident graphs nobody holds, with their last use: the eviction candidates.
        var unbound: [Graph: UInt64] = [:]
        var tick: UInt64 = 0
        /// The graphs with a file job running; a lane goes when its last job ends.
        var lanes: [Graph: Lane] = [:]
    }

    private let table = Mutex(Table())

    public init(root: String?, mode: MemoryMode, maxUnboundResident: Int = MemoryScopes.defaultMaxUnboundResident,
                pool: BlockingPool = .shared) {
        self.root = root
        self.mode = mode
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

    /// Binds one more holder to the namespace's graph, replaying its log (on the pool) when
    /// it is not resident. The name must already be valid (`NamespaceFileName`). Loads go
    /// through the graph's lane, so two sessions binding at once share one graph and a reload
    /// after eviction reads the file only after the writes queued before it.
    func bind(namespace name: String) async throws(Failure) -> Binding {
        guard let root else { throw Failure(description: "this daemon has no memory root: namespaces are disabled") }
        return try await bind(.namespace(name), path: NamespaceFileName.logPath(root: root, namespace: name))
    }

    /// Binds one more holder to the daemon-owned graph of the agent `id`, kept at
    /// `<memory root>/agents/<id>.jsonl`: the same lanes, holds, eviction and write path as a
    /// namespace. The id is checked here (`AgentFileName`): only letters, digits, `-`, `_`
    /// and `.`, not `.` or `..`.
    func bind(agent id: String) async throws(Failure) -> Binding {
        guard let root else { throw Failure(description: "this daemon has no memory root: agent memory is disabled") }
        do {
            try AgentFileName.validate(id)
        } catch {
            throw Failure(description: error.description)
        }
        return try await bind(.agent(id), path: AgentFileName.logPath(root: root, agent: id))
    }

    private func bind(_ graph: Graph, path: String) async throws(Failure) -> Binding {
        if let binding = hold(graph) { return binding }
        do {
            return try await serialized(graph) { [self] in
                if let binding = hold(graph) { return binding }
                let log: MemoryLog
                do {
                    log = try MemoryLog.open(path: path)
                } catch {
                    throw Failure(description: "\(graph): cannot read \(path): \(error)")
                }
                // Only lane jobs insert, and this one holds the lane: nobody inserted meanwhile.
                return table.withLock { table in
                    table.tick += 1
                    table.resident[graph] = Resident(id: table.tick, log: log, holds: 1, lastUse: table.tick)
                    return Binding(graph: graph, id: table.tick, log: log)
                }
            }
        } catch {
            throw (error as? Failure) ?? Failure(description: "\(graph): \(error)")
        }
    }

    /// A hold on the resident graph, if there is one.
    private func hold(_ graph: Graph) -> Binding? {
        table.withLock { table in
            guard var resident = table.resident[graph] else { return nil }
            table.tick += 1
            resident.holds += 1
            resident.lastUse = table.tick
            table.resident[graph] = resident
            table.unbound[graph] = nil
            return Binding(graph: graph, id: resident.id, log: resident.log)
        }
    }

    /// One more hold on a binding's graph (a write in flight), or a failure when the graph is
    /// no longer the resident one, so a write never lands in a graph that was dropped.
    func retain(_ binding: Binding) throws(Failure) {
        let held = table.withLock { table -> Bool in
            guard var resident = table.resident[binding.graph], resident.id == binding.id else { return false }
            table.tick += 1
            resident.holds += 1
            resident.lastUse = table.tick
            table.resident[binding.graph] = resident
            table.unbound[binding.graph] = nil
            return true
        }
        guard held else { throw Failure(description: "\(binding.graph): this connection's binding has ended") }
    }

    /// Gives back a hold; a graph nobody holds becomes an eviction candidate, and past the
    /// bound the least recently used candidate is dropped.
    func release(_ binding: Binding) {
        table.withLock { table in
            guard var resident = table.resident[binding.graph], resident.id == binding.id else { return }
            table.tick += 1
            resident.holds -= 1
            resident.lastUse = table.tick
            table.resident[binding.graph] = resident
            guard resident.holds <= 0, !resident.unsaved else { return }
            table.unbound[binding.graph] = resident.lastUse
            while table.unbound.count > maxUnboundResident,
                  let oldest = table.unbound.min(by: { $0.value < $1.value })?.key {
                table.unbound[oldest] = nil
                table.resident[oldest] = nil
            }
        }
    }

    /// Makes the graph's changes up to `seq` (`MemoryLog.recordedSeq` read after the write)
    /// durable before the write's reply: one append and fsync on the pool, in the graph's lane,
    /// unless an earlier job already took this change along. A change that did not land marks
    /// the graph unsaved until one does. May start a compaction (which runs on its own).
    func commit(_ binding: Binding, through seq: UInt64) async throws(Failure) {
        let log = binding.log
        guard !log.isDurable(seq) else { return }
        do {
            try await serialized(binding.graph) {
                do {
                    try log.flush()
                } catch {
                    throw Failure(description: "\(binding.graph): cannot write \(log.path): \(error)")
                }
            }
            mark(binding, unsaved: false)
        } catch {
            mark(binding, unsaved: true)
            throw (error as? Failure) ?? Failure(description: "\(binding.graph): \(error)")
        }
        // Claimed and held here, while the write still holds the graph, so it cannot be
        // evicted (and rebound from the old file) while the rewrite is being made.
        if log.wantsCompaction, log.beginCompaction() {
            do {
                try retain(binding)
            } catch {
                log.abandon(nil)
                return
            }
            Task { await runCompaction(binding) }
        }
    }

    /// Compacts the graph's log now (tests, and whoever wants it done before going on);
    /// false when one was already under way or the binding has ended.
    @discardableResult
    func compact(_ binding: Binding) async -> Bool {
        guard binding.log.beginCompaction() else { return false }
        do {
            try retain(binding)
        } catch {
            binding.log.abandon(nil)
            return false
        }
        return await runCompaction(binding)
    }

    /// The rewrite is made on the pool outside the lane (writes go on appending to the old
    /// file meanwhile); only the swap takes a turn. Ends the hold `commit`/`compact` took.
    @discardableResult
    private func runCompaction(_ binding: Binding) async -> Bool {
        defer { release(binding) }
        let log = binding.log
        let compaction: MemoryLog.Compaction
        do {
            compaction = try await pool.run { try log.writeCompaction() }
        } catch {
            log.abandon(nil)
            return false
        }
        struct AdoptFailed: Error {}
        do {
            try await serialized(binding.graph) {
                do { try log.adopt(compaction) } catch { throw AdoptFailed() }
            }
            return true
        } catch is AdoptFailed {
            // `adopt` removed its temporary and ended the compaction itself; the old log stands.
            return false
        } catch {
            // The turn never ran (cancelled, or the pool was saturated).
            log.abandon(compaction)
            return false
        }
    }

    private func mark(_ binding: Binding, unsaved: Bool) {
        table.withLock { table in
            guard table.resident[binding.graph]?.id == binding.id else { return }
            table.resident[binding.graph]?.unsaved = unsaved
        }
    }

    /// Resident namespace graphs, and those of them nobody holds: for status and tests.
    public var residentCount: Int { table.withLock { $0.resident.count } }
    public var unboundResidentCount: Int { table.withLock { $0.unbound.count } }

    /// Runs `body` on the pool once every job queued before it on the same graph is done.
    /// The turn is handed over through continuations, not tasks, so waiting needs no thread.
    private func serialized<T: Sendable>(_ name: Graph, _ body: @escaping @Sendable () throws -> T) async throws -> T {
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
