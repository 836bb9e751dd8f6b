import CarFiles
import CarIO
import CarJSON
import Glibc

extension Supervisor {
    // MARK: Boot and shutdown

    /// Takes the lock (or becomes an observer), loads the manifest, recognises children that
    /// outlived an earlier daemon, and starts the `auto_start` agents. Problems worth a log line
    /// are in `warnings`. Call once.
    public func boot() async {
        struct Loaded: Sendable {
            var manifest = ManifestFile()
            var orphans: [String: PinnedProcess] = [:]
            var warnings: [String] = []
            var minted = false
        }
        let manifestPath = manifestPath
        let lockPath = lockPath
        let runDirectory = runDirectory
        // The lock first, on its own: once it is held this supervisor is the owner (`role` says
        // so at once), while the manifest is still loading (mutations refuse until it is).
        let lockFD: Int32?
        do {
            lockFD = try await onPool { .success(Result { () throws(AgentError) in try ManifestLock.acquire(lockPath) }) }.get()
        } catch {
            state.withLock { state in
                state.booted = true
                state.warnings.append("supervisor: \(error.description); agents.* is observe-only")
            }
            return
        }
        guard let lockFD else {
            state.withLock { state in
                state.booted = true
                state.warnings.append("supervisor: another car-server holds the lock \(lockPath); agents.* is observe-only here (list and health read \(manifestPath))")
            }
            return
        }
        state.withLock { state in
            state.lockFD = lockFD
            state.role = .owner
        }
        let loaded: Loaded
        do {
            loaded = try await onPool {
                var loaded = Loaded()
                do throws(AgentError) {
                    loaded.manifest = try ManifestFile.read(manifestPath)
                } catch {
                    let aside = manifestPath + ".corrupt-\(Int(Supervisor.now()))"
                    rename(manifestPath, aside)
                    loaded.warnings.append("supervisor: \(error.description); moved it to \(aside) and started with no agents")
                }
                for index in loaded.manifest.entries.indices where !Self.tokenIsUsable(loaded.manifest.entries[index].token) {
                    loaded.manifest.entries[index].token = RandomToken.urlSafe()
                    loaded.minted = true
                }
                for entry in loaded.manifest.entries {
                    guard let record = RunRecord.read(directory: runDirectory, id: entry.spec.id) else { continue }
                    if let orphan = PinnedProcess.open(record) {
                        loaded.orphans[entry.spec.id] = orphan
                        loaded.warnings.append("supervisor: agent '\(entry.spec.id)' is still running as pid \(record.pid), left by an earlier car-server; not starting a second copy (backoff, blocked_by_pid)")
                    } else {
                        RunRecord.remove(directory: runDirectory, id: entry.spec.id)
                    }
                }
                return .success(loaded)
            }
        } catch {
            state.withLock { state in
                state.booted = true
                state.warnings.append("supervisor: boot failed: \(error.description); agents.* is observe-only")
                if let fd = state.lockFD { ManifestLock.release(fd) }
                state.lockFD = nil
                state.role = .observer
            }
            return
        }
        state.withLock { state in
            state.booted = true
            state.warnings += loaded.warnings
            state.manifestExtra = loaded.manifest.extra
            for entry in loaded.manifest.entries {
                var slot = Slot(spec: entry.spec, token: entry.token ?? RandomToken.urlSafe())
                if let orphan = loaded.orphans[entry.spec.id] {
                    slot.status = .backoff
                    slot.blockedByPID = orphan.pid
                    slot.orphan = orphan
                }
                state.order.append(entry.spec.id)
                state.slots[entry.spec.id] = slot
            }
            state.loaded = true
        }
        if loaded.minted { try? await persist() }
        for (id, orphan) in loaded.orphans {
            let pid = orphan.pid
            let watching = orphan.withDescriptor { fd in
                (try? watcher.watch(pidfd: fd) { [self] in childExited(id: id, pid: pid, ours: false) }) != nil
            }
            // The pidfd could not be watched: supervise the agent now rather than never.
            if watching != true { childExited(id: id, pid: pid, ours: false) }
        }
        let autoStart = state.withLock { state in state.order.filter { state.slots[$0]?.spec.autoStart == true && state.slots[$0]?.blockedByPID == nil } }
        for id in autoStart {
            do {
                _ = try await start(id: id)
            } catch {
                state.withLock { $0.warnings.append("supervisor: auto_start of '\(id)' failed: \(error.description)") }
            }
        }
    }

    /// Stops every child (SIGTERM, SIGKILL after the grace; all at once, so the whole shutdown
    /// takes at most one grace plus the kill wait), ends pending waits, releases the lock.
    /// Children of an earlier daemon (`blocked_by_pid`) are left alone.
    public func shutdown() async {
        let agents: [String] = state.withLock { state in
            state.shuttingDown = true
            for id in state.order {
                state.slots[id]?.cancelBackoff?()
                state.slots[id]?.cancelBackoff = nil
                state.slots[id]?.epoch += 1
            }
            for (ticket, waiter) in state.waiters {
                state.waiters[ticket] = nil
                waiter.cancelTimer?()
                waiter.continuation.resume(returning: .failure(.io("the supervisor is shutting down")))
            }
            return state.order
        }
        // Every agent through its gate, so a spawn in progress (pid still nil) is waited out and
        // then stopped; a spawn that gets the gate after this point refuses (spawnChild).
        await withTaskGroup(of: Void.self) { group in
            for id in agents {
                group.addTask { [self] in
                    _ = try? await serialized(id) { () async throws(AgentError) in
                        guard state.withLock({ $0.slots[id]?.pid != nil }) else { return }
                        _ = try await stopHoldingGate(id, kill: false)
                    }
                }
            }
        }
        state.withLock { state in
            if let fd = state.lockFD { ManifestLock.release(fd) }
            state.lockFD = nil
            state.role = .observer
            state.loaded = false
        }
    }

    // MARK: Reading

    public func list() async throws(AgentError) -> [ManagedAgent] {
        if state.withLock({ $0.loaded }) {
            return state.withLock { state in state.order.compactMap { state.slots[$0]?.snapshot } }
        }
        let path = manifestPath
        return try await onPool { Result { () throws(AgentError) in try ManifestFile.read(path).entries.map { ManagedAgent(spec: $0.spec) } } }
    }

    public func health() async throws(AgentError) -> [AgentHealth] {
        let specs: [AgentSpec]
        if state.withLock({ $0.loaded }) {
            specs = state.withLock { state in state.order.compactMap { state.slots[$0]?.spec } }
        } else {
            let path = manifestPath
            specs = try await onPool { Result { () throws(AgentError) in try ManifestFile.read(path).entries.map(\.spec) } }
        }
        let roots = forbiddenRoots
        return try await onPool {
            .success(specs.map { spec in
                let problem = CommandValidation.problem(command: spec.command, forbiddenRoots: roots)
                return AgentHealth(id: spec.id, command: spec.command, ok: problem == nil, reason: problem)
            })
        }
    }

    /// The agent's token, for the constant-time comparison at `session.auth`; nil for an unknown
    /// agent and on an observer.
    public func token(forAgent id: String) -> String? {
        state.withLock { state in state.role == .owner ? state.slots[id]?.token : nil }
    }

    /// Whether the manifest this daemon owns has agent `id` (false on an observer).
    public func contains(agent id: String) -> Bool {
        state.withLock { state in state.role == .owner && state.slots[id] != nil }
    }

    // MARK: Changing

    /// Validates (id, command, cwd; `interpreter` resolved on PATH into `command`), mints a token
    /// for a new agent, persists. Never starts it; a running agent keeps running its old spec.
    public func upsert(_ spec: AgentSpec) async throws(AgentError) -> ManagedAgent {
        try requireOwner()
        let roots = forbiddenRoots
        let path = baseEnvironment["PATH"]
        let checked: AgentSpec = try await onPool {
            Result { () throws(AgentError) in
                var spec = spec
                try CommandValidation.checkID(spec.id)
                if let interpreter = spec.interpreter {
                    spec.command = try CommandValidation.resolveInterpreter(interpreter, path: path)
                }
                if let problem = CommandValidation.problem(command: spec.command, forbiddenRoots: roots) { throw .invalidSpec(problem) }
                if let cwd = spec.cwd {
                    var info = stat()
                    guard cwd.hasPrefix("/"), stat(cwd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                        throw .invalidSpec("cwd must be an absolute path to an existing directory: \(cwd)")
                    }
                }
                return spec
            }
        }
        let snapshot: ManagedAgent = try state.withLock { state throws(AgentError) in
            if state.slots[checked.id] != nil {
                state.slots[checked.id]!.spec = checked
                if !Self.tokenIsUsable(state.slots[checked.id]!.token) { state.slots[checked.id]!.token = RandomToken.urlSafe() }
            } else {
                guard state.order.count < Self.maxAgents else {
                    throw AgentError(.limit, "the manifest already holds \(Self.maxAgents) agents; remove one first")
                }
                state.order.append(checked.id)
                state.slots[checked.id] = Slot(spec: checked, token: RandomToken.urlSafe())
            }
            return state.slots[checked.id]!.snapshot
        }
        try await persist()
        return snapshot
    }

    /// Stops the agent if it runs, then forgets it. False when it was not in the manifest.
    public func remove(id: String) async throws(AgentError) -> Bool {
        try requireOwner()
        do {
            return try await serialized(id) { () async throws(AgentError) -> Bool in
                guard state.withLock({ $0.slots[id] != nil }) else { return false }
                _ = try await stopHoldingGate(id, kill: false)
                state.withLock { state in
                    guard let slot = state.slots.removeValue(forKey: id) else { return }
                    slot.cancelBackoff?()
                    slot.cancelStable?()
                    state.order.removeAll { $0 == id }
                    for (ticket, waiter) in state.waiters where waiter.id == id {
                        state.waiters[ticket] = nil
                        waiter.cancelTimer?()
                        waiter.continuation.resume(returning: .failure(.notFound(id)))
                    }
                }
                try await persist()
                return true
            }
        } catch where error.kind == .notFound && state.withLock({ $0.slots[id] == nil }) {
            // Refused by `serialized` (no gate is made for an agent that is not there).
            return false
        }
    }

    /// Spawns the agent unless it is `running` or `starting`; resets `restart_count`.
    public func start(id: String) async throws(AgentError) -> ManagedAgent {
        try requireOwner()
        return try await serialized(id) { () async throws(AgentError) -> ManagedAgent in try await startHoldingGate(id) }
    }

    func startHoldingGate(_ id: String) async throws(AgentError) -> ManagedAgent {
        let early: ManagedAgent? = try state.withLock { state throws(AgentError) -> ManagedAgent? in
            guard var slot = state.slots[id] else { throw .notFound(id) }
            if slot.status == .running || slot.status == .starting { return slot.snapshot }
            if let blocker = slot.blockedByPID {
                throw AgentError(.blocked, "agent '\(id)' is already running as pid \(blocker), a process this supervisor does not own (left by an earlier car-server); stop it (agents.stop) or wait for it to exit")
            }
            slot.epoch += 1
            slot.cancelBackoff?()
            slot.cancelBackoff = nil
            slot.restartCount = 0
            slot.stopRequested = false
            slot.status = .starting
            state.slots[id] = slot
            state.notify(id)
            return nil
        }
        if let early { return early }
        return try await spawnChild(id)
    }

    /// SIGTERM to the agent's process group, SIGKILL after the grace (`kill` skips it); returns
    /// once the child is gone.
    public func stop(id: String, kill: Bool) async throws(AgentError) -> ManagedAgent {
        try requireOwner()
        return try await serialized(id) { () async throws(AgentError) -> ManagedAgent in try await stopHoldingGate(id, kill: kill) }
    }

    public func restart(id: String) async throws(AgentError) -> ManagedAgent {
        try requireOwner()
        return try await serialized(id) { () async throws(AgentError) -> ManagedAgent in
            _ = try await stopHoldingGate(id, kill: false)
            return try await startHoldingGate(id)
        }
    }

    // MARK: Waiting and logs

    /// The agent once its status is one of `targets` (at once if it already is); observes status
    /// transitions, never polls. Throws `waitTimeout` after `timeout`, `cancelled` when the
    /// calling task is cancelled, `notFound` if the agent is removed meanwhile.
    public func wait(id: String, targets: Set<AgentStatus>, timeout: Duration) async throws(AgentError) -> ManagedAgent {
        try requireOwner()
        let ticket = state.withLock { $0.ticket() }
        let result: Result<ManagedAgent, AgentError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<ManagedAgent, AgentError>, Never>) in
                let immediate: Result<ManagedAgent, AgentError>? = state.withLock { state in
                    guard let slot = state.slots[id] else { return .failure(.notFound(id)) }
                    if targets.contains(slot.status) { return .success(slot.snapshot) }
                    guard state.waiters.count < Self.maxWaiters else {
                        return .failure(AgentError(.limit, "too many agents.wait calls in progress (at most \(Self.maxWaiters))"))
                    }
                    state.waiters[ticket] = Waiter(id: id, targets: targets, continuation: continuation)
                    return nil
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                    return
                }
                let wanted = targets.map(\.rawValue).sorted().joined(separator: ", ")
                let cancel = scheduler.schedule(after: timeout) { [self] in
                    resolveWaiter(ticket) { state in
                        let status = state.slots[id]?.status.rawValue ?? "removed"
                        return .failure(AgentError(.waitTimeout, "agent '\(id)' did not reach [\(wanted)] within \(timeout) (status: \(status))"))
                    }
                }
                let resolved = state.withLock { state -> Bool in
                    guard state.waiters[ticket] != nil else { return true }
                    state.waiters[ticket]!.cancelTimer = cancel
                    return false
                }
                if resolved { cancel() }
                if Task.isCancelled { resolveWaiter(ticket) { _ in .failure(AgentError(.cancelled, "agents.wait was cancelled")) } }
            }
        } onCancel: {
            resolveWaiter(ticket) { _ in .failure(AgentError(.cancelled, "agents.wait was cancelled")) }
        }
        return try result.get()
    }

    func resolveWaiter(_ ticket: Int, _ outcome: (State) -> Result<ManagedAgent, AgentError>) {
        let found: (Waiter, Result<ManagedAgent, AgentError>)? = state.withLock { state in
            guard let waiter = state.waiters.removeValue(forKey: ticket) else { return nil }
            return (waiter, outcome(state))
        }
        guard let (waiter, result) = found else { return }
        waiter.cancelTimer?()
        waiter.continuation.resume(returning: result)
    }

    /// `lines` per stream (0: the whole scanned tail), `offset` lines skipped from the end,
    /// `stream` one of combined, stdout, stderr. Each stream is read backward, at most 8 MiB.
    public func tailLog(id: String, lines: Int, offset: Int, stream: String) async throws(AgentError) -> AgentLogTail {
        try requireOwner()
        guard ["combined", "stdout", "stderr"].contains(stream) else {
            throw AgentError(.invalidArgument, "stream must be one of combined, stdout, stderr; got \"\(stream)\"")
        }
        guard lines >= 0, offset >= 0 else { throw AgentError(.invalidArgument, "lines and offset must not be negative") }
        guard state.withLock({ $0.slots[id] != nil }) else { throw .notFound(id) }
        let outPath = stdoutLogPath(for: id)
        let errPath = stderrLogPath(for: id)
        return try await onPool {
            Result { () throws(AgentError) in
                let out = stream == "stderr" ? LogTail.Window() : try LogTail.read(path: outPath, lines: lines, offset: offset)
                let err = stream == "stdout" ? LogTail.Window() : try LogTail.read(path: errPath, lines: lines, offset: offset)
                return AgentLogTail(lines: out.lines + err.lines, stdout: out.lines, stderr: err.lines,
                                    stdoutTotal: out.total, stderrTotal: err.total, stdoutPath: outPath, stderrPath: errPath,
                                    more: out.more || err.more)
            }
        }
    }
}
