import CarFiles
import CarMemory
import Synchronization

/// The daemon-owned memory graphs, as the seed's `ServerStateConfig` lays them out: an
/// optional graph shared by every connection (an embedder's, or `--shared-memory`), and the
/// namespace graphs `session.auth {memory_namespace}` binds to, each persisted at
/// `<memory root>/memory-namespaces/<encoded>.json` and loaded on first use.
public final class MemoryScopes: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `<state root>/memory`: the sandbox for persist/load and the home of namespace files.
    public let root: String?
    public let shared: MemoryEngine?
    private let namespaces = Mutex<[String: MemoryEngine]>([:])

    public init(root: String?, shared: MemoryEngine?) {
        self.root = root
        self.shared = shared
    }

    /// The sandbox for `memory.persist` / `memory.load`, its root created on first use.
    func sandbox() throws(Failure) -> MemorySandbox {
        guard let root else { throw Failure(description: "this daemon has no memory root: persist and load are disabled") }
        try? FileSystem.makeDirectories(root)
        return MemorySandbox(root: root)
    }

    /// The namespace's graph, loaded from its snapshot the first time any session binds it.
    func engine(forNamespace name: String) throws(Failure) -> MemoryEngine {
        guard let root else { throw Failure(description: "this daemon has no memory root: namespaces are disabled") }
        let path = NamespaceFileName.snapshotPath(root: root, namespace: name)
        return try namespaces.withLock { (engines) throws(Failure) -> MemoryEngine in
            if let engine = engines[name] { return engine }
            let engine = MemoryEngine()
            if FileSystem.exists(path) {
                do {
                    _ = try engine.load(from: path)
                } catch {
                    throw Failure(description: "memory namespace '\(name)': cannot read \(path): \(error)")
                }
            }
            engines[name] = engine
            return engine
        }
    }

    /// Writes the namespace's graph to its snapshot (atomically), before the write's reply.
    func persist(namespace name: String, engine: MemoryEngine) throws(Failure) {
        guard let root else { return }
        let path = NamespaceFileName.snapshotPath(root: root, namespace: name)
        try? FileSystem.makeDirectories(FileSystem.parent(of: path))
        do {
            _ = try engine.persist(to: path)
        } catch {
            throw Failure(description: "memory namespace '\(name)': cannot write \(path): \(error)")
        }
    }
}
