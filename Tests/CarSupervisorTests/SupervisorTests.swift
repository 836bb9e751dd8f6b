import CarFiles
import CarIO
import CarJSON
import CarServer
import Foundation
import Glibc
import Synchronization
import Testing
@testable import CarSupervisor

@Suite struct ValidationTests {
    @Test func refusalsNameThePathAndTheRule() async throws {
        let harness = Harness()
        let supervisor = harness.supervisor(forbiddenCommandRoots: Supervisor.scratchRoots)
        await supervisor.boot()
        #expect(supervisor.role == .owner)

        func refusal(_ spec: AgentSpec) async -> AgentError? {
            do {
                _ = try await supervisor.upsert(spec)
                return nil
            } catch {
                return error
            }
        }
        let relative = await refusal(harness.spec("a", "sleep"))
        #expect(relative?.kind == .invalidSpec)
        #expect(relative?.description.contains("command must be an absolute path; PATH lookup is not allowed") == true)

        let plain = harness.root + "/plain.sh"
        FileManager.default.createFile(atPath: plain, contents: Data("#!/bin/sh\n".utf8))
        chmod(plain, 0o644)
        let noExec = await refusal(harness.spec("a", plain))
        #expect(noExec?.description.contains("command file has no execute bit set") == true)
        #expect(noExec?.description.contains(plain) == true)

        let missing = await refusal(harness.spec("a", harness.root + "/nope"))
        #expect(missing?.description.contains("does not exist") == true)

        let directory = await refusal(harness.spec("a", harness.root))
        #expect(directory?.description.contains("not a regular file") == true)

        // Under /tmp, directly and through a symlink from a safe folder.
        let scratch = "/tmp/car-supervisor-test-\(getpid()).sh"
        FileManager.default.createFile(atPath: scratch, contents: Data("#!/bin/sh\n".utf8))
        chmod(scratch, 0o755)
        defer { unlink(scratch) }
        let inTmp = await refusal(harness.spec("a", scratch))
        #expect(inTmp?.description.contains("world-writable scratch directory") == true)
        #expect(inTmp?.description.contains(scratch) == true)
        let link = harness.root + "/link.sh"
        symlink(scratch, link)
        let viaLink = await refusal(harness.spec("a", link))
        #expect(viaLink?.description.contains("world-writable scratch directory") == true)
        #expect(viaLink?.description.contains("resolves to") == true)

        for bad in ["", ".", "..", "a/b", "a b", "x;rm"] {
            let error = await refusal(harness.spec(bad, "/bin/sh"))
            #expect(error?.kind == .invalidSpec, "id \(bad)")
            #expect(error?.description.contains("filename-safe") == true, "id \(bad)")
        }
        let badCwd = await refusal(AgentSpec(id: "a", name: "a", command: "/bin/sh", cwd: harness.root + "/missing"))
        #expect(badCwd?.description.contains("cwd") == true)
        #expect(try await supervisor.list().isEmpty)
        await supervisor.shutdown()
    }

    @Test func interpreterResolvesOnPathOnceAndTokenStaysOutOfSpec() async throws {
        let harness = Harness()
        let supervisor = harness.supervisor()
        await supervisor.boot()
        var spec = try AgentSpec(json: .object(["id": .string("py"), "name": .string("P"), "interpreter": .string("sh"),
                                                "token": .string("attacker-chosen"), "future_key": .int(7)]))
        #expect(spec.extra["future_key"] == .int(7))
        #expect(spec.extra["token"] == nil)
        let agent = try await supervisor.upsert(spec)
        #expect(agent.spec.command == "/usr/bin/sh" || agent.spec.command == "/bin/sh")
        #expect(agent.json["spec"]?["token"] == nil)
        #expect(agent.json["spec"]?["future_key"] == .int(7))
        let token = try #require(supervisor.token(forAgent: "py"))
        #expect(token.utf8.count == 43)
        #expect(token != "attacker-chosen")
        // Re-upsert keeps the token.
        spec.command = ""
        _ = try await supervisor.upsert(spec)
        #expect(supervisor.token(forAgent: "py") == token)
        do {
            _ = try await supervisor.upsert(AgentSpec(id: "q", name: "q", command: "", interpreter: "no-such-program-xyz"))
            Issue.record("expected a refusal")
        } catch {
            #expect(error.description.contains("not found on PATH"))
        }
        await supervisor.shutdown()
    }

    @Test func specShapeErrors() {
        #expect(throws: AgentError.self) { try AgentSpec(json: .string("x")) }
        #expect(throws: AgentError.self) { try AgentSpec(json: .object(["id": .string("a")])) }
        #expect(throws: AgentError.self) { try AgentSpec(json: .object(["id": .string("a"), "command": .string("/bin/sh"), "restart": .string("sometimes")])) }
        #expect(throws: AgentError.self) { try AgentSpec(json: .object(["id": .string("a"), "command": .string("/bin/sh"), "args": .array([.int(1)])])) }
        let spec = try? AgentSpec(json: .object(["id": .string("a"), "command": .string("/bin/sh")]))
        #expect(spec?.restart == .onFailure)
        #expect(spec?.name == "a")
    }
}

@Suite struct ManifestTests {
    @Test func keepsUnknownKeysAndIsPrivate() async throws {
        let harness = Harness()
        let command = harness.script("ok.sh", "exit 0")
        let kept = String(repeating: "k", count: 43)
        let original: JSONValue = .object([
            "schema": .int(9),
            "agents": .array([.object(["id": .string("old"), "name": .string("Old"), "command": .string(command),
                                       "token": .string(kept), "newer_field": .object(["x": .bool(true)])])]),
        ])
        try FileSystem.writeAtomically(Array(JSONWriter.string(original).utf8), to: harness.manifest, mode: 0o644)
        let supervisor = harness.supervisor()
        await supervisor.boot()
        #expect(supervisor.token(forAgent: "old") == kept)
        _ = try await supervisor.upsert(harness.spec("new", command))
        let written = try JSONParser.parse(FileSystem.readWhole(harness.manifest, limit: 1 << 20))
        #expect(written["schema"] == .int(9))
        let agents = try #require(written["agents"]?.arrayValue)
        #expect(agents.count == 2)
        #expect(agents[0]["newer_field"] == .object(["x": .bool(true)]))
        #expect(agents[0]["token"] == .string(kept))
        #expect(agents[1]["token"]?.stringValue?.utf8.count == 43)
        var info = stat()
        stat(harness.manifest, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try await supervisor.remove(id: "old"))
        #expect(try await supervisor.remove(id: "old") == false)
        #expect(try await supervisor.list().map(\.spec.id) == ["new"])
        await supervisor.shutdown()
    }

    @Test func emptyOrShortTokensAreReplacedAtBoot() async throws {
        let harness = Harness()
        let command = harness.script("ok.sh", "exit 0")
        let good = String(repeating: "g", count: 43)
        let agents: [JSONValue] = [("empty", ""), ("short", "abc"), ("good", good)].map { id, token in
            .object(["id": .string(id), "command": .string(command), "token": .string(token)])
        }
        try FileSystem.writeAtomically(Array(JSONWriter.string(.object(["agents": .array(agents)])).utf8), to: harness.manifest, mode: 0o600)
        let supervisor = harness.supervisor()
        await supervisor.boot()
        #expect(supervisor.token(forAgent: "good") == good)
        for id in ["empty", "short"] {
            let token = try #require(supervisor.token(forAgent: id))
            #expect(token.utf8.count == 43, "\(id)")
        }
        let written = try JSONParser.parse(FileSystem.readWhole(harness.manifest, limit: 1 << 20))
        let tokens = try #require(written["agents"]?.arrayValue).compactMap { $0["token"]?.stringValue }
        #expect(tokens.map(\.utf8.count) == [43, 43, 43])
        #expect(tokens[0] == supervisor.token(forAgent: "empty"))
        await supervisor.shutdown()
    }

    @Test func roleIsOwnerOnceTheLockIsHeldWhileBootStillLoads() async throws {
        let harness = Harness()
        // A FIFO as the manifest: boot's read blocks until the test writes it.
        #expect(mkfifo(harness.manifest, 0o600) == 0)
        // A pool of its own: the shared one may be queued deep with other suites' file work
        // (10,000 journals closing), and the FIFO read holds one of its threads.
        let supervisor = harness.supervisor(pool: BlockingPool(threads: 2, maxQueued: 64))
        let booting = Task { await supervisor.boot() }
        // Generous: in the full suite, tests that block their threads can delay this task's
        // start by many seconds (the cooperative pool has one thread per core).
        #expect(await eventually(timeout: 60) { supervisor.role == .owner })
        do {
            _ = try await supervisor.upsert(harness.spec("a", harness.script("ok.sh", "exit 0")))
            Issue.record("a mutation before the manifest is loaded must refuse")
        } catch {
            #expect(error.description.contains("still loading"))
        }
        let writer = open(harness.manifest, O_WRONLY)
        #expect(writer >= 0)
        let body = Array(#"{"agents": []}"#.utf8)
        _ = body.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        close(writer)
        await booting.value
        #expect(supervisor.role == .owner)
        #expect(try await supervisor.list().isEmpty)
        await supervisor.shutdown()
        #expect(supervisor.role == .observer)
    }

    @Test func secondSupervisorObservesOnly() async throws {
        let harness = Harness()
        // Long enough to outlast the test on a loaded machine; shutdown stops it.
        let command = harness.script("ok.sh", "sleep 120")
        let owner = harness.supervisor()
        await owner.boot()
        _ = try await owner.upsert(harness.spec("a", command))
        _ = try await owner.start(id: "a")

        let observer = harness.supervisor()
        await observer.boot()
        #expect(observer.role == .observer)
        #expect(observer.warnings.contains { $0.contains("observe-only") })
        let listed = try await observer.list()
        #expect(listed.map(\.spec.id) == ["a"])
        #expect(listed[0].status == .stopped && listed[0].pid == nil)
        #expect(try await observer.health().map(\.ok) == [true])
        #expect(observer.token(forAgent: "a") == nil)
        for attempt in 0..<4 {
            do {
                switch attempt {
                case 0: _ = try await observer.start(id: "a")
                case 1: _ = try await observer.upsert(harness.spec("b", command))
                case 2: _ = try await observer.stop(id: "a", kill: true)
                default: _ = try await observer.tailLog(id: "a", lines: 10, offset: 0, stream: "combined")
                }
                Issue.record("attempt \(attempt) should be refused")
            } catch {
                #expect(error.kind == .observeOnly)
                #expect(error.description.contains("observe-only"))
                #expect(error.description.contains(harness.manifest))
            }
        }
        #expect(try await owner.list().first?.status == .running)
        await owner.shutdown()
        // The lock is free again: a third supervisor owns the manifest.
        let next = harness.supervisor()
        await next.boot()
        #expect(next.role == .owner)
        await next.shutdown()
    }
}

@Suite struct ChildTests {
    @Test func startRunsAndLogsLand() async throws {
        let harness = Harness()
        let command = harness.script("talk.sh", """
            echo "out one"
            echo "id=$CAR_AGENT_ID url=$CAR_DAEMON_URL home=$CAR_HOME token=${#CAR_AGENT_TOKEN} pwd=$(pwd)"
            echo "err one" >&2
            exec sleep 30
            """)
        let supervisor = harness.supervisor()
        await supervisor.boot()
        _ = try await supervisor.upsert(AgentSpec(id: "talk", name: "Talk", command: command, cwd: harness.root))
        let started = try await supervisor.start(id: "talk")
        #expect(started.status == .running)
        let pid = try #require(started.pid)
        #expect(getpgid(pid) == pid)
        #expect(try await supervisor.start(id: "talk").pid == pid) // no-op while running
        #expect(await eventually { (try? await supervisor.tailLog(id: "talk", lines: 10, offset: 0, stream: "combined"))?.stderr == ["err one"] })
        let tail = try await supervisor.tailLog(id: "talk", lines: 10, offset: 0, stream: "combined")
        #expect(tail.stdout.first == "out one")
        #expect(tail.stdout.last == "id=talk url=ws://127.0.0.1:9/ home=\(harness.root) token=43 pwd=\(harness.root)")
        #expect(tail.lines == tail.stdout + tail.stderr)
        #expect(tail.stdoutTotal == 2 && tail.stderrTotal == 1 && !tail.more)
        #expect(tail.stdoutPath == harness.root + "/logs/talk.stdout.log")
        let onlyOut = try await supervisor.tailLog(id: "talk", lines: 1, offset: 0, stream: "stdout")
        #expect(onlyOut.stderr.isEmpty && onlyOut.stdout.count == 1 && onlyOut.more)
        var info = stat()
        stat(tail.stdoutPath, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(FileSystem.exists(harness.root + "/run/talk.json"))
        let stopped = try await supervisor.stop(id: "talk", kill: false)
        #expect(stopped.status == .stopped && stopped.pid == nil)
        #expect(await eventually(timeout: 2) { !processGroupAlive(pid) })
        #expect(await eventually { !FileSystem.exists(harness.root + "/run/talk.json") })
        await supervisor.shutdown()
    }

    @Test func crashLoopBacksOffThenErrors() async throws {
        let harness = Harness()
        let command = harness.script("crash.sh", "echo crash; exit 3")
        let supervisor = harness.supervisor()
        await supervisor.boot()
        _ = try await supervisor.upsert(harness.spec("crash", command, maxRestarts: 3, backoff: 0.15))
        _ = try await supervisor.start(id: "crash")
        let final = try await supervisor.wait(id: "crash", targets: [.errored], timeout: .seconds(10))
        #expect(final.status == .errored)
        #expect(final.restartCount == 3)
        #expect(final.lastExitCode == 3)
        let starts = harness.startedEvents("crash")
        let exits = harness.exitedEvents("crash")
        #expect(starts.count == 4)
        #expect(exits.count == 4)
        // Gaps between an exit and the next start: 0.15, 0.3, 0.6 s (plus scheduling noise).
        let gaps = (0..<3).map { Double(starts[$0 + 1].at - exits[$0].at) / 1e9 }
        #expect(gaps[0] >= 0.14 && gaps[1] >= 0.29 && gaps[2] >= 0.59, "gaps \(gaps)")
        // Lower bounds only: on a loaded machine the pool (nice 19) adds noise on top, never less.
        // start resets the counter: three more restarts before errored again.
        _ = try await supervisor.start(id: "crash")
        let second = try await supervisor.wait(id: "crash", targets: [.errored], timeout: .seconds(10))
        #expect(second.restartCount == 3)
        #expect(harness.startedEvents("crash").count == 8)
        await supervisor.shutdown()
    }

    @Test func cleanExitWithOnFailureStops() async throws {
        let harness = Harness()
        let supervisor = harness.supervisor()
        await supervisor.boot()
        _ = try await supervisor.upsert(harness.spec("once", harness.script("once.sh", "exit 0")))
        _ = try await supervisor.upsert(harness.spec("never", harness.script("never.sh", "exit 1"), restart: .never))
        _ = try await supervisor.start(id: "once")
        _ = try await supervisor.start(id: "never")
        #expect(try await supervisor.wait(id: "once", targets: [.stopped], timeout: .seconds(5)).lastExitCode == 0)
        #expect(try await supervisor.wait(id: "never", targets: [.errored], timeout: .seconds(5)).restartCount == 0)
        await supervisor.shutdown()
    }

    @Test func stopEscalatesAndKillsTheGroup() async throws {
        let harness = Harness()
        let stubborn = harness.script("stubborn.sh", "trap '' TERM\nsleep 30 &\nwait")
        let polite = harness.script("polite.sh", "sleep 30 &\nwait")
        let supervisor = harness.supervisor()
        await supervisor.boot()
        _ = try await supervisor.upsert(harness.spec("stubborn", stubborn))
        _ = try await supervisor.upsert(harness.spec("polite", polite))
        _ = try await supervisor.upsert(harness.spec("killed", stubborn))

        let politePID = try #require(try await supervisor.start(id: "polite").pid)
        let stubbornPID = try #require(try await supervisor.start(id: "stubborn").pid)
        let killedPID = try #require(try await supervisor.start(id: "killed").pid)
        try await Task.sleep(for: .milliseconds(100))

        var began = Date()
        #expect(try await supervisor.stop(id: "polite", kill: false).status == .stopped)
        #expect(Date().timeIntervalSince(began) < 0.25)
        #expect(await eventually(timeout: 2) { !processGroupAlive(politePID) })

        began = Date()
        #expect(try await supervisor.stop(id: "stubborn", kill: false).status == .stopped)
        #expect(Date().timeIntervalSince(began) >= 0.28) // the 300 ms grace, then SIGKILL
        #expect(await eventually(timeout: 2) { !processGroupAlive(stubbornPID) })

        began = Date()
        #expect(try await supervisor.stop(id: "killed", kill: true).status == .stopped)
        #expect(Date().timeIntervalSince(began) < 0.25)
        #expect(await eventually(timeout: 2) { !processGroupAlive(killedPID) })
        // A stopped agent is not restarted.
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await supervisor.list().allSatisfy { $0.status == .stopped })
        await supervisor.shutdown()
    }

    @Test func orphanBlocksASecondCopyAndIsSupervisedAfterItExits() async throws {
        let harness = Harness()
        let command = harness.script("agent.sh", "exec sleep 30")
        // A first "daemon" wrote the manifest; its child outlived it (we spawn it ourselves).
        let first = harness.supervisor()
        await first.boot()
        _ = try await first.upsert(harness.spec("svc", command, autoStart: true))
        await first.shutdown()

        let orphan = try harness.spawnOrphan(command)
        try await Task.sleep(for: .milliseconds(50))
        let record = RunRecord(pid: orphan, startTime: try #require(RunRecord.startTime(of: orphan)))
        try record.write(directory: harness.root + "/run", id: "svc")

        let second = harness.supervisor()
        await second.boot()
        let blocked = try #require(try await second.list().first)
        #expect(blocked.status == .backoff)
        #expect(blocked.blockedByPID == orphan)
        #expect(blocked.pid == nil)
        #expect(blocked.json["blocked_by_pid"] == .int(Int64(orphan)))
        #expect(harness.startedEvents("svc").isEmpty)
        do {
            _ = try await second.start(id: "svc")
            Issue.record("a second copy must not start")
        } catch {
            #expect(error.kind == .blocked)
        }
        kill(orphan, SIGTERM)
        var status: Int32 = 0
        waitpid(orphan, &status, 0)
        let resumed = try await second.wait(id: "svc", targets: [.running], timeout: .seconds(5))
        #expect(resumed.pid != nil && resumed.pid != orphan)
        #expect(resumed.blockedByPID == nil)
        await second.shutdown()
        #expect(await eventually(timeout: 2) { !processGroupAlive(resumed.pid!) })
    }

    @Test func lateExitOfTheOldProcessKeepsTheReplacementsRunRecord() async throws {
        let harness = Harness()
        let supervisor = harness.supervisor()
        await supervisor.boot()
        _ = try await supervisor.upsert(harness.spec("svc", harness.script("agent.sh", "exec sleep 30")))
        let old = try #require(try await supervisor.start(id: "svc").pid)
        let new = try #require(try await supervisor.restart(id: "svc").pid)
        #expect(new != old)
        let run = harness.root + "/run"
        #expect(RunRecord.read(directory: run, id: "svc")?.pid == new)
        // The old process's exit handling, landing after the replacement wrote its record (what
        // the detached unlink of a restart's exit did under pool load): the record must stay.
        supervisor.finishExit(id: "svc", pid: old, code: nil, signal: SIGTERM)
        try await Task.sleep(for: .milliseconds(200))
        #expect(RunRecord.read(directory: run, id: "svc")?.pid == new)
        // The exit of the process it names still removes it.
        _ = try await supervisor.stop(id: "svc", kill: true)
        #expect(await eventually { RunRecord.read(directory: run, id: "svc") == nil })
        await supervisor.shutdown()
    }

    @Test func shutdownWaitsOutASpawnInProgressAndStopsIt() async throws {
        let harness = Harness()
        let pool = BlockingPool(threads: 1, maxQueued: 64)
        let supervisor = harness.supervisor(pool: pool)
        await supervisor.boot()
        _ = try await supervisor.upsert(harness.spec("svc", harness.script("agent.sh", "exec sleep 30")))
        let blocker = await PoolBlocker(pool)
        // A start whose spawn waits on the pool (holding the gate, pid nil), and a restart queued
        // on the gate behind it; then shutdown.
        let starting = Task { try await supervisor.start(id: "svc") }
        #expect(await eventually { pool.queuedCount == 1 })
        #expect(try await supervisor.list().first?.status == .starting)
        let restarting = Task { try await supervisor.restart(id: "svc") }
        #expect(await eventually { supervisor.state.withLock { $0.gates["svc"]?.users } == 2 })
        let returned = Mutex(false)
        let shutdown = Task {
            await supervisor.shutdown()
            returned.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!returned.withLock { $0 }, "shutdown returned while a spawn was in progress")
        blocker.release()
        await shutdown.value
        let pid = try #require(try await starting.value.pid)
        // The child the start spawned is gone once shutdown returned; the restart spawned none.
        #expect(!processGroupAlive(pid))
        do {
            _ = try await restarting.value
            Issue.record("the restart should refuse during shutdown")
        } catch let error as AgentError {
            #expect(error.description.contains("shutting down"))
        }
        #expect(harness.startedEvents("svc").count == 1)
        for started in harness.startedEvents("svc") { kill(-started.pid, SIGKILL) }
    }

    @Test func gatesAreNotMadeForUnknownAgentsAndDroppedWhenIdle() async throws {
        let harness = Harness()
        let supervisor = harness.supervisor()
        await supervisor.boot()
        for index in 0..<5000 {
            do {
                _ = try await supervisor.start(id: "ghost-\(index)")
                Issue.record("an unknown agent started")
            } catch {
                #expect(error.kind == .notFound)
            }
        }
        #expect(supervisor.state.withLock { $0.gates.count } == 0)
        _ = try await supervisor.upsert(harness.spec("a", harness.script("agent.sh", "exec sleep 30")))
        _ = try await supervisor.start(id: "a")
        #expect(supervisor.state.withLock { $0.gates.count } == 0)
        _ = try await supervisor.stop(id: "a", kill: true)
        #expect(try await supervisor.remove(id: "a"))
        #expect(try await supervisor.remove(id: "a") == false)
        #expect(supervisor.state.withLock { $0.gates.count } == 0)
        await supervisor.shutdown()
    }

    @Test func orphanIsHeldByPidfdAndItsGroupIsKilledWhenItExits() async throws {
        let harness = Harness()
        let command = harness.script("group.sh", "sleep 30 &\nwait")
        let first = harness.supervisor()
        await first.boot()
        _ = try await first.upsert(harness.spec("svc", command, restart: .never))
        _ = try await first.upsert(harness.spec("other", command, restart: .never))
        await first.shutdown()
        var orphans: [String: Int32] = [:]
        for id in ["svc", "other"] {
            let pid = try harness.spawnOrphan(command)
            orphans[id] = pid
            try RunRecord(pid: pid, startTime: try #require(RunRecord.startTime(of: pid))).write(directory: harness.root + "/run", id: id)
        }
        try await Task.sleep(for: .milliseconds(100)) // the scripts' sleep children exist
        let second = harness.supervisor()
        await second.boot()
        #expect(try await second.list().map(\.blockedByPID) == [orphans["svc"], orphans["other"]])
        // The leader dies (not through us): what is left of its group is killed too.
        let svc = orphans["svc"]!
        kill(svc, SIGKILL)
        #expect(await eventually { (try? await second.list().first?.status) == .stopped })
        #expect(await eventually(timeout: 2) { !processGroupAlive(svc) })
        // stop on an orphan signals it through its pidfd (and its group).
        let other = orphans["other"]!
        #expect(try await second.stop(id: "other", kill: false).status == .stopped)
        #expect(await eventually(timeout: 2) { !processGroupAlive(other) })
        for pid in [svc, other] {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        await second.shutdown()
    }

    @Test func staleRunRecordIsIgnored() async throws {
        let harness = Harness()
        let command = harness.script("agent.sh", "exec sleep 30")
        try RunRecord(pid: 999_999, startTime: 1).write(directory: harness.root + "/run", id: "svc")
        let first = harness.supervisor()
        await first.boot()
        _ = try await first.upsert(harness.spec("svc", command))
        await first.shutdown()
        let second = harness.supervisor()
        await second.boot()
        #expect(try await second.list().first?.status == .stopped)
        #expect(!FileSystem.exists(harness.root + "/run/svc.json"))
        await second.shutdown()
    }

    @Test func liveRunRecordWithAnotherStartTimeIsIgnored() async throws {
        // A reused pid: the recorded pid is alive (this test process) but started at another time.
        let harness = Harness()
        let command = harness.script("agent.sh", "exec sleep 30")
        let first = harness.supervisor()
        await first.boot()
        _ = try await first.upsert(harness.spec("svc", command))
        await first.shutdown()
        let ours = try #require(RunRecord.startTime(of: getpid()))
        try RunRecord(pid: getpid(), startTime: ours + 1).write(directory: harness.root + "/run", id: "svc")
        let second = harness.supervisor()
        await second.boot()
        let agent = try #require(try await second.list().first)
        #expect(agent.status == .stopped)
        #expect(agent.blockedByPID == nil)
        #expect(!FileSystem.exists(harness.root + "/run/svc.json"))
        #expect(try await second.start(id: "svc").status == .running)
        await second.shutdown()
    }

    @Test func childSignalMaskIsEmptyAndSigtermDefaultWhenTheSpawningThreadBlocksIt() async throws {
        let harness = Harness()
        // Pool threads made by a thread that blocks SIGTERM inherit the block, as the daemon's do.
        let made = Mutex<BlockingPool?>(nil)
        let thread = Thread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            made.withLock { $0 = BlockingPool(threads: 1, maxQueued: 16) }
        }
        thread.start()
        #expect(await eventually { made.withLock { $0 != nil } })
        let pool = try #require(made.withLock { $0 })
        let blocked = try await pool.run { () -> Bool in
            var current = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &current)
            return sigismember(&current, SIGTERM) == 1
        }
        #expect(blocked, "the spawning thread should block SIGTERM")
        // SIGTERM ignored in this process during the spawn: the child must still get the default.
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        var previous = sigaction()
        sigaction(SIGTERM, &ignore, &previous)
        defer { sigaction(SIGTERM, &previous, nil) }
        let supervisor = harness.supervisor(pool: pool)
        await supervisor.boot()
        _ = try await supervisor.upsert(harness.spec("mask", harness.script("mask.sh", "grep -E '^Sig(Blk|Ign):' /proc/self/status\nexec sleep 30")))
        _ = try await supervisor.start(id: "mask")
        #expect(await eventually { (try? await supervisor.tailLog(id: "mask", lines: 0, offset: 0, stream: "stdout"))?.stdout.count == 2 })
        let lines = try await supervisor.tailLog(id: "mask", lines: 0, offset: 0, stream: "stdout").stdout
        let sigterm: UInt64 = 1 << (UInt64(SIGTERM) - 1)
        for name in ["SigBlk", "SigIgn"] {
            let line = try #require(lines.first { $0.hasPrefix(name + ":") }, "\(name) in \(lines)")
            let mask = try #require(UInt64(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16))
            #expect(mask & sigterm == 0, "\(line)")
        }
        await supervisor.shutdown()
    }

    @Test func waitTimesOutSucceedsAndCancels() async throws {
        let harness = Harness()
        let supervisor = harness.supervisor()
        await supervisor.boot()
        _ = try await supervisor.upsert(harness.spec("w", harness.script("w.sh", "exec sleep 30")))
        let began = Date()
        do {
            _ = try await supervisor.wait(id: "w", targets: [.running], timeout: .milliseconds(200))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .waitTimeout)
            #expect(Date().timeIntervalSince(began) >= 0.19)
        }
        #expect(try await supervisor.wait(id: "w", targets: [.stopped], timeout: .seconds(1)).status == .stopped)
        let waiting = Task { try await supervisor.wait(id: "w", targets: [.running], timeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        _ = try await supervisor.start(id: "w")
        #expect(try await waiting.value.status == .running)

        let cancelled = Task { try await supervisor.wait(id: "w", targets: [.errored], timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        do {
            _ = try await cancelled.value
            Issue.record("expected cancellation")
        } catch let error as AgentError {
            #expect(error.kind == .cancelled)
        }
        do {
            _ = try await supervisor.wait(id: "missing", targets: [.running], timeout: .seconds(1))
        } catch {
            #expect(error.kind == .notFound)
        }
        await supervisor.shutdown()
    }
}

@Suite struct LogTailTests {
    func window(_ text: String, truncated: Bool = false, lines: Int, offset: Int = 0) -> LogTail.Window {
        LogTail.window(of: ArraySlice(Array(text.utf8)), truncated: truncated, lines: lines, offset: offset)
    }

    @Test func windowsAndPaging() {
        #expect(window("", lines: 10).lines == [])
        #expect(window("a\nb\nc\n", lines: 2).lines == ["b", "c"])
        #expect(window("a\nb\nc\n", lines: 2).more)
        #expect(window("a\nb\nc", lines: 0).lines == ["a", "b", "c"])
        #expect(window("a\nb\nc\n", lines: 2, offset: 2).lines == ["a"])
        #expect(!window("a\nb\nc\n", lines: 2, offset: 2).more)
        #expect(window("a\nb\nc\n", lines: 2, offset: 5).lines == [])
        #expect(window("a\n\nc\n", lines: 0).lines == ["a", "", "c"])
        let cut = window("tial\nb\nc\n", truncated: true, lines: 0)
        #expect(cut.lines == ["b", "c"] && cut.more && cut.total == 2)
    }

    @Test func boundedBackwardRead() throws {
        let harness = Harness()
        let path = harness.root + "/big.log"
        let line = Array(repeating: UInt8(ascii: "x"), count: 1023) + [0x0A]
        var data = [UInt8]()
        for _ in 0..<(9 * 1024) { data += line }
        data += Array("last line\n".utf8)
        try FileSystem.writeAtomically(data, to: path, mode: 0o600)
        let window = try LogTail.read(path: path, lines: 2, offset: 0)
        #expect(window.lines.last == "last line")
        #expect(window.more)
        #expect(window.total <= 8 * 1024 + 1)
    }
}

@Suite struct TransportAdapterTests {
    @Test func pidfdWatcherFiresOnTheLoop() async throws {
        let loop = Harness.loop
        let watcher = PidfdChildWatcher(loop: loop)
        let pid = try ChildSpawn.spawn(ChildSpawn.Options(executable: "/bin/sleep", arguments: ["0.1"]))
        let fired = Mutex<(Bool, Bool)>((false, false))
        try watcher.watch(pid: pid) { fired.withLock { $0 = (true, loop.inLoop) } }
        #expect(await eventually { fired.withLock { $0.0 } })
        #expect(fired.withLock { $0.1 })
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) == pid)
        #expect(throws: (any Error).self) { try watcher.watch(pid: pid) {} } // reaped: ESRCH
    }

    @Test func loopSchedulerFiresAndCancels() async throws {
        let scheduler = LoopSupervisorScheduler(loop: Harness.loop)
        let hits = Mutex<[String]>([])
        _ = scheduler.schedule(after: .milliseconds(30)) { hits.withLock { $0.append("fired") } }
        let cancel = scheduler.schedule(after: .milliseconds(30)) { hits.withLock { $0.append("cancelled") } }
        cancel()
        try await Task.sleep(for: .milliseconds(150))
        #expect(hits.withLock { $0 } == ["fired"])
    }
}
