import CarFiles
import CarIO
import CarJSON
import Glibc
import Synchronization

/// Timing and bounds of the status machine; the defaults are the daemon's, tests shrink them.
public struct SupervisorTiming: Sendable {
    /// SIGTERM → SIGKILL grace of `stop(kill: false)`.
    public var stopGrace: Duration
    /// The first backoff when a spec has no `backoff_secs` (seconds).
    public var defaultBackoff: Double
    /// Backoff doubles per consecutive restart up to this (seconds).
    public var backoffCap: Double
    /// A child that stays up this long has its restart counter reset to 0.
    public var stableUptime: Duration
    /// Restarts allowed when a spec has no `max_restarts`; one more failure is `errored`.
    public var defaultMaxRestarts: Int
    /// After SIGKILL, how long stop waits for the exit before giving up with an error.
    public var killWait: Duration

    public init(stopGrace: Duration = .seconds(5), defaultBackoff: Double = 1, backoffCap: Double = 60,
                stableUptime: Duration = .seconds(30), defaultMaxRestarts: Int = 10, killWait: Duration = .seconds(5)) {
        self.stopGrace = stopGrace
        self.defaultBackoff = defaultBackoff
        self.backoffCap = backoffCap
        self.stableUptime = stableUptime
        self.defaultMaxRestarts = defaultMaxRestarts
        self.killWait = killWait
    }
}

/// Supervises the agents of one manifest (`agents.json`): an exclusive lock on
/// `<manifest>.lock` makes this daemon the owner; without it the supervisor is an observer that
/// answers `list` and `health` from the file and refuses the rest with an "observe-only" error.
///
/// Status machine (one agent):
/// - `stopped` → `starting` on `start` (or at boot for `auto_start`); `starting` lasts while the
///   spawn runs on the pool, and becomes `running` as soon as posix_spawn succeeded (no settle
///   delay: readiness is the agent's business, `attached` tells when it called back).
/// - A spawn that fails (command no longer valid, bad cwd) → `errored`.
/// - A child that exits without being asked: `never` → `stopped` (exit 0) or `errored`;
///   `on_failure` → `stopped` on exit 0, else restart; `always` → restart. A restart goes through
///   `backoff` for `backoff_secs × 2^(n−1)` (capped at `backoffCap`), n the consecutive restarts;
///   once n reached `max_restarts`, the next exit is `errored`. The counter resets after
///   `stableUptime` of uptime, and on `start`.
/// - `stop` → `stopped` once the child is gone (SIGTERM to its process group, SIGKILL after the
///   grace). When a group leader exits, whatever is left of its group is SIGKILLed.
/// - At boot a live child of an earlier daemon (its run record's pid and start time match) puts
///   the agent in `backoff` with `blocked_by_pid`; nothing is spawned. When it exits, the agent is
///   started again if it is `auto_start` or its policy is not `never` (the exit status of a process
///   that is not our child cannot be collected, so it counts as a failure); otherwise `stopped`.
///   `stop` on such an agent signals that process through the pidfd opened at boot (before its
///   start time was compared), never a later process with its pid; when it exits, what is left
///   of its process group is SIGKILLed.
public final class Supervisor: Sendable {
    public let manifestPath: String
    public let logsDirectory: String
    public let runDirectory: String
    public let stateRoot: String
    public let daemonURL: String
    let baseEnvironment: [String: String]
    let watcher: any ChildWatcher
    let scheduler: any SupervisorScheduler
    let pool: BlockingPool
    let onEvent: @Sendable (AgentEvent) -> Void
    let forbiddenRoots: [String]
    public let timing: SupervisorTiming

    /// The scratch directories a command may not live under.
    public static let scratchRoots = CommandValidation.scratchRoots
    public static let maxAgents = ManifestFile.maxAgents
    /// Concurrent `wait` calls, all agents together.
    public static let maxWaiters = 1024

    struct Slot {
        var spec: AgentSpec
        var token: String
        var status: AgentStatus = .stopped
        var pid: Int32?
        var lastExitCode: Int32?
        var restartCount = 0
        var startedAt: Double?
        var blockedByPID: Int32?
        /// The process `blockedByPID` names, held by its pidfd.
        var orphan: PinnedProcess?
        var stopRequested = false
        /// Bumped by every start, stop and remove: a backoff timer armed before does nothing.
        var epoch = 0
        var cancelBackoff: (@Sendable () -> Void)?
        var cancelStable: (@Sendable () -> Void)?
        /// `stop` calls waiting for the exit (true: it exited; false: the bound fired first).
        var exitWaiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        /// Their grace and bound timers.
        var cancelStop: [Int: @Sendable () -> Void] = [:]

        /// Without its attachment: which connection an agent is attached through is the
        /// daemon's to know (its connections), and the adapter fills it in.
        var snapshot: ManagedAgent {
            ManagedAgent(spec: spec, status: status, pid: pid, lastExitCode: lastExitCode, restartCount: restartCount,
                         startedAt: startedAt, blockedByPID: blockedByPID)
        }
    }

    struct Waiter {
        var id: String
        var targets: Set<AgentStatus>
        var continuation: CheckedContinuation<Result<ManagedAgent, AgentError>, Never>
        var cancelTimer: (@Sendable () -> Void)?
    }

    struct State {
        var role: ManifestRole = .observer
        var booted = false
        /// The manifest is in `slots`: set by boot after the lock (`role` is owner before it).
        var loaded = false
        var shuttingDown = false
        var lockFD: Int32?
        var order: [String] = []
        var slots: [String: Slot] = [:]
        var manifestExtra: [String: JSONValue] = [:]
        /// Only while an operation holds or waits for the gate (`users`): dropped when idle.
        var gates: [String: (gate: AgentGate, users: Int)] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextTicket = 0
        var warnings: [String] = []

        mutating func ticket() -> Int {
            nextTicket += 1
            return nextTicket
        }

        /// Resumes the waits this agent's current status satisfies.
        mutating func notify(_ id: String) {
            guard let slot = slots[id] else { return }
            for (ticket, waiter) in waiters where waiter.id == id && waiter.targets.contains(slot.status) {
                waiters[ticket] = nil
                waiter.cancelTimer?()
                waiter.continuation.resume(returning: .success(slot.snapshot))
            }
        }
    }

    let state = Mutex(State())
    /// Serialises manifest writes; the snapshot is taken inside it, so the last write is the newest state.
    let persisting = Mutex(())

    public init(manifestPath: String, logsDirectory: String, runDirectory: String, stateRoot: String, daemonURL: String,
                baseEnvironment: [String: String], watcher: any ChildWatcher, scheduler: any SupervisorScheduler,
                pool: BlockingPool = .shared, forbiddenCommandRoots: [String] = Supervisor.scratchRoots,
                timing: SupervisorTiming = SupervisorTiming(), onEvent: @escaping @Sendable (AgentEvent) -> Void = { _ in }) {
        self.manifestPath = manifestPath
        self.logsDirectory = logsDirectory
        self.runDirectory = runDirectory
        self.stateRoot = stateRoot
        self.daemonURL = daemonURL
        self.baseEnvironment = baseEnvironment
        self.watcher = watcher
        self.scheduler = scheduler
        self.pool = pool
        self.forbiddenRoots = forbiddenCommandRoots
        self.timing = timing
        self.onEvent = onEvent
    }

    deinit {
        state.withLock { state in
            if let fd = state.lockFD { ManifestLock.release(fd) }
            state.lockFD = nil
        }
    }

    public var lockPath: String { manifestPath + ".lock" }

    /// `owner` from the moment `boot` holds the lock (even while it still loads the manifest
    /// and starts agents), `observer` otherwise.
    public var role: ManifestRole { state.withLock { $0.role } }

    /// A token minted now is 43 characters; a manifest token that is missing, empty or shorter
    /// (hand-edited) is replaced by a fresh one.
    static let tokenLength = RandomToken.urlSafe().utf8.count

    static func tokenIsUsable(_ token: String?) -> Bool { (token?.utf8.count ?? 0) >= tokenLength }

    /// What boot found worth logging: observer mode, a corrupt manifest set aside, orphans, auto_start failures.
    public var warnings: [String] { state.withLock { $0.warnings } }

    // MARK: Pool helpers

    func onPool<T: Sendable>(_ body: @escaping @Sendable () -> Result<T, AgentError>) async throws(AgentError) -> T {
        let result: Result<T, AgentError>
        do {
            result = try await pool.run(body)
        } catch is CancellationError {
            throw AgentError(.cancelled, "cancelled")
        } catch {
            throw .io("\(error)")
        }
        return try result.get()
    }

    func requireOwner() throws(AgentError) {
        let (role, loaded, shuttingDown) = state.withLock { ($0.role, $0.loaded, $0.shuttingDown) }
        guard role == .owner else { throw .observeOnly(manifestPath) }
        guard !shuttingDown else { throw .io("the supervisor is shutting down") }
        guard loaded else { throw .io("the supervisor is still loading its manifest; try again") }
    }

    /// Runs `body` holding the agent's gate. An unknown agent is refused before a gate is made
    /// for it (unless an operation on it, a remove, is still in progress); a gate nobody holds
    /// or waits for is dropped, so the table never outgrows the operations in flight.
    func serialized<T>(_ id: String, _ body: () async throws(AgentError) -> T) async throws(AgentError) -> T {
        let gate: AgentGate = try state.withLock { state throws(AgentError) -> AgentGate in
            if let entry = state.gates[id] {
                state.gates[id]!.users += 1
                return entry.gate
            }
            guard state.slots[id] != nil else { throw .notFound(id) }
            let gate = AgentGate()
            state.gates[id] = (gate, 1)
            return gate
        }
        defer {
            state.withLock { state in
                state.gates[id]!.users -= 1
                if state.gates[id]!.users == 0 { state.gates[id] = nil }
            }
        }
        try await gate.acquire(id: id)
        defer { gate.release() }
        return try await body()
    }

    func persist() async throws(AgentError) {
        let path = manifestPath
        try await onPool { [self] in
            persisting.withLock { _ in
                let manifest = state.withLock { state in
                    ManifestFile(entries: state.order.compactMap { id in state.slots[id].map { ManifestFile.Entry(spec: $0.spec, token: $0.token) } },
                                 extra: state.manifestExtra)
                }
                return Result { () throws(AgentError) in try manifest.write(to: path) }
            }
        }
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    public func stdoutLogPath(for id: String) -> String { logsDirectory + "/" + id + ".stdout.log" }
    public func stderrLogPath(for id: String) -> String { logsDirectory + "/" + id + ".stderr.log" }
}
