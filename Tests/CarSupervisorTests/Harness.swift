import CarIO
import CarJSON
import CarServer
import Foundation
import Glibc
import Synchronization
@testable import CarSupervisor

/// A scratch folder outside /tmp (the scratch rule would refuse commands there), a shared event
/// loop for the real pidfd watcher and timers, and a recorder for the supervisor's events.
final class Harness: Sendable {
    static let loop = EventLoop(name: "supervisor-tests")
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    let root: String
    let events = Mutex<[(event: AgentEvent, at: UInt64)]>([])

    init() {
        _ = Harness.sweep
        root = Harness.packageRoot + "/.build/supervisor-tests/" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Folders of earlier runs (a supervisor still referenced at the end of a test keeps its
    /// harness alive past the process's exit): removed once, at the first harness.
    static let sweep: Void = {
        let base = packageRoot + "/.build/supervisor-tests"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            try? FileManager.default.removeItem(atPath: base + "/" + entry)
        }
    }()

    var manifest: String { root + "/agents.json" }

    static let fastTiming = SupervisorTiming(stopGrace: .milliseconds(300), defaultBackoff: 0.05, backoffCap: 2,
                                             stableUptime: .seconds(30), defaultMaxRestarts: 3, killWait: .seconds(3))

    /// The scratch roots commands are refused under, less one that holds this checkout (a CI
    /// clone under /tmp): the scripts the tests run live inside it. The refusal test asks for
    /// the real list.
    var commandRoots: [String] {
        Supervisor.scratchRoots.filter { !Harness.packageRoot.hasPrefix($0 + "/") }
    }

    func supervisor(manifest: String? = nil, timing: SupervisorTiming = Harness.fastTiming,
                    forbiddenCommandRoots: [String]? = nil, pool: BlockingPool = .shared) -> Supervisor {
        Supervisor(manifestPath: manifest ?? self.manifest, logsDirectory: root + "/logs", runDirectory: root + "/run",
                   stateRoot: root, daemonURL: "ws://127.0.0.1:9/", baseEnvironment: ["PATH": "/usr/bin:/bin"],
                   watcher: PidfdChildWatcher(loop: Harness.loop), scheduler: LoopSupervisorScheduler(loop: Harness.loop),
                   pool: pool, forbiddenCommandRoots: forbiddenCommandRoots ?? commandRoots, timing: timing) { [self] event in
            events.withLock { $0.append((event, MonotonicClock.nanoseconds())) }
        }
    }

    /// An executable /bin/sh script in the scratch folder.
    func script(_ name: String, _ body: String) -> String {
        let path = root + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(("#!/bin/sh\n" + body + "\n").utf8))
        chmod(path, 0o755)
        return path
    }

    /// A child of the test in its own group, as an earlier daemon's agent; retries ETXTBSY (a
    /// script just written is open in another test's child between its fork and exec).
    func spawnOrphan(_ command: String) throws -> Int32 {
        var attempt = 0
        while true {
            do {
                return try ChildSpawn.spawn(ChildSpawn.Options(executable: command, arguments: [], newProcessGroup: true))
            } catch {
                attempt += 1
                guard error.code == ETXTBSY, attempt < 20 else { throw error }
                usleep(20_000)
            }
        }
    }

    func spec(_ id: String, _ command: String, restart: RestartPolicy = .onFailure, maxRestarts: Int? = nil,
              backoff: Double? = nil, autoStart: Bool = false) -> AgentSpec {
        AgentSpec(id: id, name: id, command: command, restart: restart, maxRestarts: maxRestarts, backoffSecs: backoff, autoStart: autoStart)
    }

    func startedEvents(_ id: String) -> [(pid: Int32, at: UInt64)] {
        events.withLock { $0.compactMap { if case .started(id, let pid) = $0.event { (pid, $0.at) } else { nil } } }
    }

    func exitedEvents(_ id: String) -> [(code: Int32?, at: UInt64)] {
        events.withLock { $0.compactMap { if case .exited(id, _, let code, _) = $0.event { (code, $0.at) } else { nil } } }
    }
}

/// A live (not zombie) process in the group: reparented zombies may linger in a container
/// whose pid 1 does not reap, and kill(-pgid, 0) counts them.
func processGroupAlive(_ pgid: Int32) -> Bool {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries where Int32(entry) != nil {
        guard let text = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { continue }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2 else { continue }
        if Int32(fields[2]) == pgid && fields[0] != "Z" { return true }
    }
    return false
}

/// Polls `condition` until it holds or `timeout` seconds pass. The bound is generous because
/// in the full suite other tests block the cooperative pool for seconds at a time; a condition
/// that holds costs no waiting.
func eventually(timeout: Double = 30, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// Holds every thread of `pool` until `release()`: jobs queue behind it, in order.
final class PoolBlocker: Sendable {
    let pool: BlockingPool
    private let gate = DispatchSemaphore(value: 0)

    init(_ pool: BlockingPool) async {
        self.pool = pool
        for _ in 0..<pool.threadCount {
            let gate = gate
            Task { try await pool.run { gate.wait() } }
        }
        _ = await eventually { pool.busyCount == pool.threadCount }
    }

    func release() {
        for _ in 0..<pool.threadCount { gate.signal() }
    }
}
