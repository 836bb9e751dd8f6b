import CarFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `memory.persist` and `memory.load` may touch the disk: only under the daemon's memory
/// root (`<state root>/memory/`). A relative path lands under the root; an absolute one must
/// already be inside it; `..` segments are refused outright; and symlinks are resolved before
/// the check, so neither a linked directory nor a linked file can lead outside. The folders the
/// daemon itself keeps under the root (`reserved`) are out of reach too, however they are named
/// or linked to: otherwise `memory.load` could read another namespace's snapshot and
/// `memory.persist` overwrite it.
public struct MemorySandbox: Sendable {
    /// Daemon-owned folders directly under the root, and why a client may not touch them.
    public static let reserved: [(name: String, holds: String)] = [
        ("memory-namespaces", "the snapshots of memory namespaces, reached only through session.auth {memory_namespace}"),
        ("agents", "the per-agent memory of supervised agents, owned by the daemon"),
    ]

    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "rejected path '\(path)': \(reason)" }
    }

    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The absolute file path `requested` names inside the root. With `creatingParents`, the
    /// missing directories of a relative path are made (mode 0700) under the root.
    public func resolve(_ requested: String, creatingParents: Bool) throws(Refusal) -> String {
        func refuse(_ reason: String) -> Refusal { Refusal(path: requested, reason: reason) }
        guard !requested.isEmpty else { throw refuse("the path is empty") }
        guard !requested.utf8.contains(0) else { throw refuse("the path contains a NUL byte") }
        let parts = requested.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains("..") else { throw refuse("'..' segments are not allowed") }
        guard let last = parts.last, last != ".", !requested.hasSuffix("/") else { throw refuse("the path names no file") }
        // Such names are the daemon's own write temporaries, which startup removes as debris.
        guard !FileSystem.isTemporaryName(String(last)) else {
            throw refuse("names ending '.tmp-<pid>-<n>' are reserved for the daemon's temporary files")
        }

        guard let realRoot = FileSystem.realPath(root) else { throw refuse("the memory root \(root) does not exist") }
        let absolute = requested.hasPrefix("/") ? requested : realRoot + "/" + parts.joined(separator: "/")
        // Checked on the requested spelling before any directory is made, and again below on
        // the resolved one, so neither a name nor a link reaches a daemon folder.
        try Self.refuseReserved(absolute, realRoot: realRoot, requested: requested)
        let parent = FileSystem.parent(of: absolute)
        if creatingParents && !requested.hasPrefix("/") { Self.makeDirectories(parent, under: realRoot) }
        guard let realParent = FileSystem.realPath(parent) else { throw refuse("its directory does not exist") }
        guard Self.isInside(realParent, realRoot) else { throw refuse("outside the memory root \(realRoot)") }
        let target = realParent + "/" + last
        try Self.refuseReserved(target, realRoot: realRoot, requested: requested)
        var status = stat()
        if stat(target, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { throw refuse("it is a directory") }
        // An existing link at the target itself must stay inside too.
        if let realTarget = FileSystem.realPath(target) {
            guard Self.isInside(FileSystem.parent(of: realTarget), realRoot) else {
                throw refuse("it is a link leading outside the memory root \(realRoot)")
            }
            try Self.refuseReserved(realTarget, realRoot: realRoot, requested: requested)
        }
        return target
    }

    /// Refuses `path` (absolute) when it is a reserved folder or anything inside one. The name
    /// is compared without regard to case, since a case-insensitive file system (macOS) would
    /// open `Memory-Namespaces/` as the same folder.
    static func refuseReserved(_ path: String, realRoot: String, requested: String) throws(Refusal) {
        let root = realRoot.hasSuffix("/") ? realRoot : realRoot + "/"
        guard path.hasPrefix(root) else { return }
        let first = path.dropFirst(root.count).split(separator: "/", maxSplits: 1).first.map { $0.lowercased() }
        for folder in reserved where first == folder.name {
            throw Refusal(path: requested, reason: "\(root)\(folder.name)/ holds \(folder.holds); memory.persist and memory.load may not reach it")
        }
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// `mkdir -p` below `root` only (each step is checked, so a link planted on the way cannot
    /// make us create directories elsewhere).
    static func makeDirectories(_ directory: String, under root: String) {
        guard isInside(directory, root), directory.count > root.count else { return }
        var current = root
        for part in directory.dropFirst(root.count).split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST { return }
            guard let real = FileSystem.realPath(current), isInside(real, root) else { return }
        }
    }
}
