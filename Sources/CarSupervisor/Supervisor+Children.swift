import CarFiles
import CarIO
import Glibc

extension Supervisor {
    struct Spawned: Sendable {
        var pid: Int32
        var startTime: UInt64
    }

    /// posix_spawn on the pool: no shell, own process group, stdin /dev/null, output appended to
    /// the agent's logs, the environment of the daemon's choosing plus the agent's identity.
    func spawnBlocking(spec: AgentSpec, token: String) -> Result<Spawned, AgentError> {
        if let problem = CommandValidation.problem(command: spec.command, forbiddenRoots: forbiddenRoots) {
            return .failure(.invalidSpec(problem))
        }
        do {
            try FileSystem.makeDirectories(logsDirectory)
            try FileSystem.makeDirectories(runDirectory)
        } catch {
            return .failure(.io("cannot create the agent directories: \(error)"))
        }
        let outPath = stdoutLogPath(for: spec.id)
        let errPath = stderrLogPath(for: spec.id)
        let out = open(outPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard out >= 0 else { return .failure(.io("cannot open \(outPath): \(String(cString: strerror(errno)))")) }
        defer { close(out) }
        let err = open(errPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard err >= 0 else { return .failure(.io("cannot open \(errPath): \(String(cString: strerror(errno)))")) }
        defer { close(err) }

        var environment = baseEnvironment
        for (key, value) in spec.env { environment[key] = value }
        environment["CAR_AGENT_ID"] = spec.id
        environment["CAR_AGENT_TOKEN"] = token
        environment["CAR_DAEMON_URL"] = daemonURL
        environment["CAR_HOME"] = stateRoot
        let options = ChildSpawn.Options(
            executable: spec.command, arguments: spec.args,
            environment: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            workingDirectory: spec.cwd, stdin: .devNull, stdout: .descriptor(out), stderr: .descriptor(err), newProcessGroup: true)
        var spawned: pid_t?
        var failure: ChildSpawn.Failure?
        // ETXTBSY: a script just written is still open for writing in another child between its
        // fork and exec (any thread of ours may be spawning). It clears within milliseconds.
        for attempt in 0..<5 {
            do {
                spawned = try ChildSpawn.spawn(options)
                break
            } catch {
                failure = error
                guard error.code == ETXTBSY, attempt < 4 else { break }
                usleep(20_000)
            }
        }
        guard let pid = spawned else {
            return .failure(.io("agent '\(spec.id)': \(failure?.description ?? "cannot start")"))
        }
        let startTime = RunRecord.startTime(of: pid) ?? 0
        // Without the record a daemon killed now would not recognise this child; it still runs.
        try? RunRecord(pid: pid, startTime: startTime).write(directory: runDirectory, id: spec.id)
        return .success(Spawned(pid: pid, startTime: startTime))
    }

    /// Spawns the agent whose slot the caller set to `starting`, holding its gate.
    func spawnChild(_ id: String) async throws(AgentError) -> ManagedAgent {
        let found: (AgentSpec, String)? = try state.withLock { state throws(AgentError) in
            guard state.shuttingDown else { return state.slots[id].map { ($0.spec, $0.token) } }
            // Checked holding the gate, which shutdown takes for every agent after setting the flag.
            if state.slots[id] != nil {
                state.slots[id]!.status = .stopped
                state.notify(id)
            }
            throw .io("the supervisor is shutting down")
        }
        guard let (spec, token) = found else { throw .notFound(id) }
        let outcome: Result<Spawned, AgentError>
        do {
            outcome = .success(try await onPool { [self] in spawnBlocking(spec: spec, token: token) })
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .failure(let error):
            state.withLock { state in
                guard state.slots[id] != nil else { return }
                state.slots[id]!.status = .errored
                state.slots[id]!.pid = nil
                state.notify(id)
            }
            throw error
        case .success(let spawned):
            let pid = spawned.pid
            state.withLock { state in
                guard state.slots[id] != nil else { return }
                state.slots[id]!.pid = pid
                state.slots[id]!.status = .running
                state.slots[id]!.startedAt = Self.now()
                state.slots[id]!.blockedByPID = nil
                state.slots[id]!.lastExitCode = nil
                state.notify(id)
            }
            onEvent(.started(id: id, pid: pid))
            do {
                try watcher.watch(pid: pid) { [self] in childExited(id: id, pid: pid, ours: true) }
            } catch {
                // Nothing would notice its exit: a child we cannot watch is not left running.
                kill(-pid, SIGKILL)
                _ = try? await onPool { Result { () throws(AgentError) in
                    var status: Int32 = 0
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                } }
                RunRecord.remove(directory: runDirectory, id: id, ifPID: pid)
                state.withLock { state in
                    guard state.slots[id]?.pid == pid else { return }
                    state.slots[id]!.pid = nil
                    state.slots[id]!.status = .errored
                    state.notify(id)
                }
                throw .io("cannot watch agent '\(id)' (pid \(pid)): \(error)")
            }
            let cancelStable = scheduler.schedule(after: timing.stableUptime) { [self] in
                state.withLock { state in
                    if state.slots[id]?.pid == pid { state.slots[id]!.restartCount = 0 }
                }
            }
            let snapshot: ManagedAgent? = state.withLock { state in
                guard state.slots[id]?.pid == pid else { return nil }
                state.slots[id]!.cancelStable = cancelStable
                return state.slots[id]!.snapshot
            }
            if let snapshot { return snapshot }
            cancelStable()
            // It exited already; report what the exit handler made of it.
            guard let current = state.withLock({ $0.slots[id]?.snapshot }) else { throw .notFound(id) }
            return current
        }
    }

    /// The watcher saw `pid` exit (any thread; the server's loop). Our own child is reaped here
    /// with WNOHANG; what is left of its process group is killed first, while the zombie still
    /// pins the group id.
    func childExited(id: String, pid: Int32, ours: Bool) {
        var code: Int32?
        var signal: Int32?
        if ours {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            var reaped: Int32
            repeat { reaped = waitpid(pid, &status, WNOHANG) } while reaped < 0 && errno == EINTR
            if reaped == 0 {
                // Readable pidfd but not yet reapable: finish on the pool rather than spin here.
                Task {
                    _ = try? await onPool { Result { () throws(AgentError) in
                        var status: Int32 = 0
                        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    } }
                    finishExit(id: id, pid: pid, code: nil, signal: nil)
                }
                return
            }
            if reaped == pid {
                // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: the macros are not imported.
                if status & 0x7f == 0 { code = (status >> 8) & 0xff } else { signal = status & 0x7f }
            }
        }
        finishExit(id: id, pid: pid, code: code, signal: signal)
    }

    func finishExit(id: String, pid: Int32, code: Int32?, signal: Int32?) {
        onEvent(.exited(id: id, pid: pid, code: code, signal: signal))
        enum Next { case nothing, restart(epoch: Int, delay: Double), resume(epoch: Int) }
        var orphan: PinnedProcess?
        let next: Next = state.withLock { state in
            guard var slot = state.slots[id], slot.pid == pid || slot.blockedByPID == pid else { return .nothing }
            let wasOrphan = slot.blockedByPID == pid
            if wasOrphan { orphan = slot.orphan }
            slot.orphan = nil
            slot.pid = nil
            slot.blockedByPID = nil
            slot.cancelStable?()
            slot.cancelStable = nil
            slot.lastExitCode = code
            var next = Next.nothing
            if slot.stopRequested || state.shuttingDown {
                slot.stopRequested = false
                slot.status = .stopped
            } else if wasOrphan {
                if slot.spec.autoStart || slot.spec.restart != .never {
                    slot.status = .starting
                    next = .resume(epoch: slot.epoch)
                } else {
                    slot.status = .stopped
                }
            } else {
                let failed = code != 0
                let wanted = slot.spec.restart == .always || (slot.spec.restart == .onFailure && failed)
                if !wanted {
                    slot.status = failed && slot.spec.restart == .never ? .errored : .stopped
                } else if slot.restartCount >= (slot.spec.maxRestarts ?? timing.defaultMaxRestarts) {
                    slot.status = .errored
                } else {
                    slot.restartCount += 1
                    let base = slot.spec.backoffSecs ?? timing.defaultBackoff
                    let delay = min(base * Double(1 << min(slot.restartCount - 1, 30)), timing.backoffCap)
                    slot.status = .backoff
                    next = .restart(epoch: slot.epoch, delay: delay)
                }
            }
            for waiter in slot.exitWaiters.values { waiter.resume(returning: true) }
            slot.exitWaiters = [:]
            state.slots[id] = slot
            state.notify(id)
            return next
        }
        orphan?.exited()
        let directory = runDirectory
        // Only if the record still names this process: a restart may have written its successor's.
        Task { _ = try? await onPool { Result { () throws(AgentError) in RunRecord.remove(directory: directory, id: id, ifPID: pid) } } }
        switch next {
        case .nothing:
            break
        case .resume(let epoch):
            Task { await resumeAutomatically(id, epoch: epoch, from: .starting) }
        case .restart(let epoch, let delay):
            let cancel = scheduler.schedule(after: .milliseconds(Int64(delay * 1000))) { [self] in
                Task { await resumeAutomatically(id, epoch: epoch, from: .backoff) }
            }
            let stale = state.withLock { state -> Bool in
                guard state.slots[id]?.epoch == epoch, state.slots[id]?.status == .backoff else { return true }
                state.slots[id]!.cancelBackoff = cancel
                return false
            }
            if stale { cancel() }
        }
    }

    /// A backoff timer fired, or an orphan left: spawn unless someone started, stopped or removed
    /// the agent meanwhile (the epoch moved) or the daemon is stopping.
    func resumeAutomatically(_ id: String, epoch: Int, from expected: AgentStatus) async {
        _ = try? await serialized(id) { () async throws(AgentError) -> ManagedAgent? in
            let go = state.withLock { state -> Bool in
                guard !state.shuttingDown, let slot = state.slots[id], slot.epoch == epoch, slot.status == expected,
                      slot.pid == nil, slot.blockedByPID == nil else { return false }
                state.slots[id]!.cancelBackoff = nil
                state.slots[id]!.status = .starting
                state.notify(id)
                return true
            }
            guard go else { return nil }
            return try await spawnChild(id)
        }
    }

    /// Stops the agent's process (ours, or an orphan it is blocked by), holding its gate.
    func stopHoldingGate(_ id: String, kill hard: Bool) async throws(AgentError) -> ManagedAgent {
        let ticket: Int
        let target: Int32
        let orphan: PinnedProcess?
        enum Plan { case done(ManagedAgent), signal(Int32, Int, PinnedProcess?) }
        let plan: Plan = try state.withLock { state throws(AgentError) -> Plan in
            guard var slot = state.slots[id] else { throw .notFound(id) }
            slot.epoch += 1
            slot.cancelBackoff?()
            slot.cancelBackoff = nil
            guard let pid = slot.pid ?? slot.blockedByPID else {
                if slot.status != .stopped {
                    slot.status = .stopped
                }
                state.slots[id] = slot
                state.notify(id)
                return .done(slot.snapshot)
            }
            slot.stopRequested = true
            let ticket = state.ticket()
            state.slots[id] = slot
            return .signal(pid, ticket, slot.pid == nil ? slot.orphan : nil)
        }
        switch plan {
        case .done(let snapshot): return snapshot
        case .signal(let pid, let number, let pinned):
            target = pid
            ticket = number
            orphan = pinned
        }
        // Our child by pid (its zombie pins the pid until we reap it); an orphan through its pidfd.
        let send: @Sendable (Int32) -> Void = { number in
            if let orphan {
                orphan.signal(number)
            } else {
                kill(-target, number)
                kill(target, number)
            }
        }
        let exited: Bool = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let registered = state.withLock { state -> Bool in
                guard state.slots[id]?.pid == target || state.slots[id]?.blockedByPID == target else { return false }
                state.slots[id]!.exitWaiters[ticket] = continuation
                return true
            }
            guard registered else {
                continuation.resume(returning: true)
                return
            }
            send(hard ? SIGKILL : SIGTERM)
            var cancels: [@Sendable () -> Void] = []
            if !hard {
                cancels.append(scheduler.schedule(after: timing.stopGrace) { [self] in
                    let alive = state.withLock { $0.slots[id]?.exitWaiters[ticket] != nil }
                    if alive { send(SIGKILL) }
                })
            }
            let bound = (hard ? .zero : timing.stopGrace) + timing.killWait
            cancels.append(scheduler.schedule(after: bound) { [self] in
                let waiter = state.withLock { $0.slots[id]?.exitWaiters.removeValue(forKey: ticket) }
                waiter?.resume(returning: false)
            })
            // Timers are cancelled once the exit came (or the bound fired): nothing else to do.
            let timers = cancels
            let cancelAll: @Sendable () -> Void = { for cancel in timers { cancel() } }
            state.withLock { state in
                if state.slots[id]?.exitWaiters[ticket] == nil { cancelAll() } else { state.slots[id]!.cancelStop[ticket] = cancelAll }
            }
        }
        state.withLock { state in
            state.slots[id]?.cancelStop.removeValue(forKey: ticket)?()
        }
        guard exited else {
            throw .io("agent '\(id)' (pid \(target)) did not exit within \(timing.killWait) of SIGKILL")
        }
        guard let snapshot = state.withLock({ $0.slots[id]?.snapshot }) else { throw .notFound(id) }
        return snapshot
    }
}
