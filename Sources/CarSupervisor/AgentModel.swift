import CarJSON

public enum AgentStatus: String, Sendable, CaseIterable {
    case stopped, starting, running, backoff, errored
}

public enum RestartPolicy: String, Sendable, CaseIterable {
    case never
    case onFailure = "on_failure"
    case always
}

public enum ManifestRole: String, Sendable {
    case owner, observer
}

/// One supervised agent as the manifest and `agents.upsert` describe it. The per-agent token is
/// not part of it: it lives beside the spec in the manifest and never reaches `json`.
public struct AgentSpec: Sendable, Equatable {
    public var id: String
    public var name: String
    public var command: String
    public var args: [String]
    public var cwd: String?
    public var env: [String: String]
    /// Default `on_failure`.
    public var restart: RestartPolicy
    /// nil: `SupervisorTiming.defaultMaxRestarts`.
    public var maxRestarts: Int?
    /// nil: `SupervisorTiming.defaultBackoff`.
    public var backoffSecs: Double?
    public var autoStart: Bool
    public var interpreter: String?
    /// Keys this daemon does not know, kept verbatim (a newer daemon's fields survive a rewrite).
    public var extra: [String: JSONValue]

    public init(id: String, name: String, command: String, args: [String] = [], cwd: String? = nil, env: [String: String] = [:],
                restart: RestartPolicy = .onFailure, maxRestarts: Int? = nil, backoffSecs: Double? = nil, autoStart: Bool = false,
                interpreter: String? = nil, extra: [String: JSONValue] = [:]) {
        self.id = id
        self.name = name
        self.command = command
        self.args = args
        self.cwd = cwd
        self.env = env
        self.restart = restart
        self.maxRestarts = maxRestarts
        self.backoffSecs = backoffSecs
        self.autoStart = autoStart
        self.interpreter = interpreter
        self.extra = extra
    }

    static let knownKeys: Set<String> = ["id", "name", "command", "args", "cwd", "env", "restart", "max_restarts",
                                         "backoff_secs", "auto_start", "interpreter", "token"]
    static let maxArgs = 1024
    static let maxEnv = 1024
    static let maxStringBytes = 64 << 10

    /// Shape checks only (types, bounds); `Supervisor.upsert` adds the file-system checks.
    /// A `token` member is dropped: tokens are minted by the supervisor, never taken from a caller.
    public init(json: JSONValue) throws(AgentError) {
        guard case .object(let members) = json else { throw .invalidSpec("an agent spec must be an object, got \(json.typeName)") }
        func string(_ key: String, required: Bool) throws(AgentError) -> String? {
            guard let value = members[key], value != .null else {
                if required { throw .invalidSpec("agent spec is missing `\(key)`") }
                return nil
            }
            guard case .string(let text) = value else { throw .invalidSpec("`\(key)` must be a string, got \(value.typeName)") }
            guard text.utf8.count <= Self.maxStringBytes else { throw .invalidSpec("`\(key)` is longer than \(Self.maxStringBytes) bytes") }
            return text
        }
        id = try string("id", required: true)!
        interpreter = try string("interpreter", required: false)
        if let interpreter, interpreter.isEmpty { throw .invalidSpec("`interpreter` must not be empty") }
        command = try string("command", required: interpreter == nil) ?? ""
        name = try string("name", required: false) ?? id
        cwd = try string("cwd", required: false)
        args = []
        if let value = members["args"], value != .null {
            guard case .array(let items) = value else { throw .invalidSpec("`args` must be an array of strings, got \(value.typeName)") }
            guard items.count <= Self.maxArgs else { throw .invalidSpec("`args` has \(items.count) entries; at most \(Self.maxArgs)") }
            for item in items {
                guard case .string(let text) = item else { throw .invalidSpec("`args` must hold strings, got \(item.typeName)") }
                guard text.utf8.count <= Self.maxStringBytes else { throw .invalidSpec("an `args` entry is longer than \(Self.maxStringBytes) bytes") }
                args.append(text)
            }
        }
        env = [:]
        if let value = members["env"], value != .null {
            guard case .object(let entries) = value else { throw .invalidSpec("`env` must be an object of strings, got \(value.typeName)") }
            guard entries.count <= Self.maxEnv else { throw .invalidSpec("`env` has \(entries.count) entries; at most \(Self.maxEnv)") }
            for (key, item) in entries {
                guard case .string(let text) = item else { throw .invalidSpec("`env.\(key)` must be a string, got \(item.typeName)") }
                guard !key.isEmpty, !key.contains("="), !key.utf8.contains(0), !text.utf8.contains(0) else {
                    throw .invalidSpec("`env` key \"\(key)\" is not a valid environment variable name")
                }
                env[key] = text
            }
        }
        restart = .onFailure
        if let value = members["restart"], value != .null {
            guard case .string(let text) = value, let policy = RestartPolicy(rawValue: text) else {
                throw .invalidSpec("`restart` must be one of never, on_failure, always; got \(value)")
            }
            restart = policy
        }
        maxRestarts = nil
        if let value = members["max_restarts"], value != .null {
            guard let count = value.intValue, count >= 0, count <= 1_000_000 else {
                throw .invalidSpec("`max_restarts` must be an integer from 0 to 1000000; got \(value)")
            }
            maxRestarts = Int(count)
        }
        backoffSecs = nil
        if let value = members["backoff_secs"], value != .null {
            guard let seconds = value.doubleValue, seconds.isFinite, seconds >= 0, seconds <= 86_400 else {
                throw .invalidSpec("`backoff_secs` must be a number from 0 to 86400; got \(value)")
            }
            backoffSecs = seconds
        }
        autoStart = false
        if let value = members["auto_start"], value != .null {
            guard case .bool(let flag) = value else { throw .invalidSpec("`auto_start` must be a boolean, got \(value.typeName)") }
            autoStart = flag
        }
        extra = members.filter { !Self.knownKeys.contains($0.key) }
    }

    /// The wire and manifest shape, without the token; unknown keys come back as they were.
    public var json: JSONValue {
        var members = extra
        members["id"] = .string(id)
        members["name"] = .string(name)
        members["command"] = .string(command)
        members["args"] = .array(args.map { .string($0) })
        if let cwd { members["cwd"] = .string(cwd) }
        members["env"] = .object(env.mapValues { .string($0) })
        members["restart"] = .string(restart.rawValue)
        if let maxRestarts { members["max_restarts"] = .int(Int64(maxRestarts)) }
        if let backoffSecs { members["backoff_secs"] = .double(backoffSecs) }
        members["auto_start"] = .bool(autoStart)
        if let interpreter { members["interpreter"] = .string(interpreter) }
        return .object(members)
    }
}

/// An agent and its runtime state, as `agents.list` returns it.
public struct ManagedAgent: Sendable {
    public var spec: AgentSpec
    public var status: AgentStatus
    public var pid: Int32?
    public var lastExitCode: Int32?
    public var restartCount: Int
    /// Unix seconds.
    public var startedAt: Double?
    /// Set only in `backoff` because a live process this supervisor does not own runs as the agent.
    public var blockedByPID: Int32?
    public var attached: Bool
    public var sessionID: String?

    public init(spec: AgentSpec, status: AgentStatus = .stopped, pid: Int32? = nil, lastExitCode: Int32? = nil, restartCount: Int = 0,
                startedAt: Double? = nil, blockedByPID: Int32? = nil, attached: Bool = false, sessionID: String? = nil) {
        self.spec = spec
        self.status = status
        self.pid = pid
        self.lastExitCode = lastExitCode
        self.restartCount = restartCount
        self.startedAt = startedAt
        self.blockedByPID = blockedByPID
        self.attached = attached
        self.sessionID = sessionID
    }

    /// `{spec, status, pid?, last_exit_code?, restart_count, started_at?, blocked_by_pid?, attached, session_id?}`
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "spec": spec.json,
            "status": .string(status.rawValue),
            "restart_count": .int(Int64(restartCount)),
            "attached": .bool(attached),
        ]
        if let pid { members["pid"] = .int(Int64(pid)) }
        if let lastExitCode { members["last_exit_code"] = .int(Int64(lastExitCode)) }
        if let startedAt { members["started_at"] = .double(startedAt) }
        if let blockedByPID { members["blocked_by_pid"] = .int(Int64(blockedByPID)) }
        if let sessionID { members["session_id"] = .string(sessionID) }
        return .object(members)
    }
}

public struct AgentHealth: Sendable, Equatable {
    public var id: String
    public var command: String
    public var ok: Bool
    public var reason: String?

    public init(id: String, command: String, ok: Bool, reason: String? = nil) {
        self.id = id
        self.command = command
        self.ok = ok
        self.reason = reason
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["id": .string(id), "command": .string(command), "ok": .bool(ok)]
        if let reason { members["reason"] = .string(reason) }
        return .object(members)
    }
}

public struct AgentLogTail: Sendable, Equatable {
    /// stdout's window then stderr's (the legacy combined view).
    public var lines: [String]
    public var stdout: [String]
    public var stderr: [String]
    public var stdoutTotal: Int
    public var stderrTotal: Int
    public var stdoutPath: String
    public var stderrPath: String
    public var more: Bool

    public var json: JSONValue {
        .object([
            "lines": .array(lines.map { .string($0) }),
            "stdout": .array(stdout.map { .string($0) }),
            "stderr": .array(stderr.map { .string($0) }),
            "stdout_total": .int(Int64(stdoutTotal)),
            "stderr_total": .int(Int64(stderrTotal)),
            "stdout_path": .string(stdoutPath),
            "stderr_path": .string(stderrPath),
            "more": .bool(more),
        ])
    }
}

public enum AgentEvent: Sendable, Equatable {
    case started(id: String, pid: Int32)
    /// `code` for a normal exit, `signal` for a death by signal; both nil for a process that was
    /// not our child (an orphan of an earlier daemon), whose status cannot be collected.
    case exited(id: String, pid: Int32, code: Int32?, signal: Int32?)
}

public struct AgentError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// The spec (or its command on disk) is refused.
        case invalidSpec
        /// A parameter other than a spec (a tail_log stream name) is refused.
        case invalidArgument
        case notFound
        /// This daemon does not hold the manifest lock.
        case observeOnly
        case waitTimeout
        /// A live process this supervisor does not own already runs as the agent.
        case blocked
        /// A bound was reached (agents in the manifest, concurrent waits).
        case limit
        case cancelled
        case io
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    static func invalidSpec(_ message: String) -> AgentError { AgentError(.invalidSpec, message) }
    static func notFound(_ id: String) -> AgentError { AgentError(.notFound, "agent '\(id)' not found in the manifest") }
    static func observeOnly(_ path: String) -> AgentError {
        AgentError(.observeOnly, "observe-only: another car-server holds the supervisor lock for \(path). Mutations refuse here; route the request to the primary daemon, or give this daemon its own manifest (--agents-manifest / CAR_AGENTS_MANIFEST)")
    }
    static func io(_ message: String) -> AgentError { AgentError(.io, message) }
}

/// What notices child exits. The server implements it with pidfd_open + epoll on its event loop
/// (no thread per child). Also used for processes that are not our children (an orphan of a
/// killed daemon): a pidfd works for any pid. `onExit` is called once, on any thread.
public protocol ChildWatcher: Sendable {
    func watch(pid: Int32, onExit: @escaping @Sendable () -> Void) throws
    /// The same for a pidfd the caller owns (it keeps it; the watcher watches a duplicate).
    func watch(pidfd: Int32, onExit: @escaping @Sendable () -> Void) throws
}

/// Timers (backoff, stop grace, wait timeouts, the uptime that resets the restart counter),
/// provided by the server's loop. Returns a cancel closure, callable from any thread.
public protocol SupervisorScheduler: Sendable {
    func schedule(after: Duration, _ work: @escaping @Sendable () -> Void) -> @Sendable () -> Void
}
