/// Where the daemon keeps its files, following the CAR layout: one state root (`CAR_HOME`,
/// else `~/.car`) holding journals, memory and `run/`; the auth-token directory beside it.
public struct StatePaths: Sendable, Equatable {
    public var root: String
    public var tokenDirectory: String
    public var socketPath: String
    public var journalDirectory: String
    public var lockPath: String

    public var authTokenPath: String { tokenDirectory + "/auth-token" }
    /// Memory snapshots: the persist/load sandbox and the namespace graphs.
    public var memoryDirectory: String { root + "/memory" }
    public var hostTokenPath: String { tokenDirectory + "/host-token" }
    /// The approval-transport configuration (`messaging.*`).
    public var messagingConfigPath: String { root + "/messaging.json" }
    /// The supervised agents' manifest, unless `--agents-manifest` names another.
    public var agentsManifestPath: String { root + "/agents.json" }
    /// Supervised agents' captured output: `<id>.stdout.log`, `<id>.stderr.log`.
    public var agentLogsDirectory: String { root + "/logs" }
    /// Records of running agent children (pid, start time), so a daemon that was killed does
    /// not get a second copy started by the next one.
    public var agentRunDirectory: String { root + "/run/agents" }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case relativeCarHome(String)
        case noHome

        public var description: String {
            switch self {
            case .relativeCarHome(let value):
                "CAR_HOME must be an absolute path, got '\(value)' (a relative root would differ between the daemon and its clients)"
            case .noHome:
                "cannot find a home directory: set HOME or CAR_HOME"
            }
        }
    }

    /// Resolves every path from the environment. CAR_HOME moves the token and the socket
    /// too: leaving them behind would let two relocated daemons collide (car#629).
    public static func resolve(environment: [String: String]) throws(Failure) -> StatePaths {
        let carHome = environment["CAR_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        let runtimeDir = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        if let carHome {
            guard carHome.hasPrefix("/") else { throw .relativeCarHome(carHome) }
            let root = trimmed(carHome)
            return StatePaths(root: root, tokenDirectory: root + "/ai.parslee.car", socketPath: root + "/run/car-server.sock",
                              journalDirectory: root + "/journals", lockPath: root + "/run/daemon.lock")
        }
        guard let home = environment["HOME"].flatMap({ $0.isEmpty ? nil : $0 }) else { throw .noHome }
        let root = trimmed(home) + "/.car"
        return StatePaths(
            root: root,
            tokenDirectory: runtimeDir.map { trimmed($0) + "/ai.parslee.car" } ?? trimmed(home) + "/.config/ai.parslee.car",
            socketPath: runtimeDir.map { trimmed($0) + "/ai.parslee.car/car-server.sock" } ?? root + "/run/car-server.sock",
            journalDirectory: root + "/journals",
            lockPath: root + "/run/daemon.lock")
    }

    /// A `~/.car/...` path means "under the state root", whatever CAR_HOME says, so a flag's
    /// default never pins one file to the shared location.
    public func expand(_ path: String, home: String?) -> String {
        if path == "~/.car" { return root }
        if path.hasPrefix("~/.car/") { return root + "/" + path.dropFirst("~/.car/".count) }
        if path.hasPrefix("~/"), let home { return Self.trimmed(home) + "/" + path.dropFirst(2) }
        return path
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
