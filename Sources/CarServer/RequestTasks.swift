import Synchronization

/// The requests of one connection that run as tasks: counted (so inline methods know when
/// they may overtake nothing), kept (so the connection's end cancels them all), and the
/// one-time lifting of the pre-auth message limit.
final class RequestTasks: Sendable {
    private struct Running {
        var nextID: UInt64 = 0
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var cancelled = false
        /// The latest session-setup request still running; later requests wait for it.
        var barrier: (id: UInt64, task: Task<Void, Never>)?
        /// Whether `onPressure(true)` was the last call made.
        var pressured = false
    }

    /// Past `high` running requests the connection stops reading (`onPressure(true)`), and
    /// reads again once they are down to `low`: a client that pipelines without waiting for
    /// replies is slowed by TCP, not queued in the daemon without bound.
    struct Pressure: Sendable {
        var high = 256
        var low = 128
    }

    private let running = Mutex(Running())
    private let limitLifted = Atomic<Bool>(false)
    /// Shared by every connection of the daemon: what shutdown waits on.
    private let daemonWide: InFlightCount
    private let pressure: Pressure
    private let onPressure: @Sendable (Bool) -> Void

    init(daemonWide: InFlightCount, pressure: Pressure = Pressure(), onPressure: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.daemonWide = daemonWide
        self.pressure = pressure
        self.onPressure = onPressure
    }

    var isIdle: Bool { running.withLock { $0.tasks.isEmpty } }
    var count: Int { running.withLock { $0.tasks.count } }

    /// Starts `body` as a tracked task on `executor`, after any barrier still running; a
    /// `barrier` task holds back the ones started after it. After `cancelAll()` it starts
    /// cancelled.
    @discardableResult
    func start(executor: any TaskExecutor, barrier: Bool = false, _ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        // The task is made under the lock, so its own removal (which takes the lock) always
        // finds it registered.
        let (task, pressed) = running.withLock { running -> (Task<Void, Never>, Bool) in
            running.nextID += 1
            let id = running.nextID
            // While a session-setup request runs, everything after it runs in arrival order,
            // each behind the one before, until the chain has drained.
            let previous = running.barrier?.task
            daemonWide.enter()
            let task = Task(executorPreference: executor) { [self] in
                if let previous { await previous.value }
                await body()
                let relieved = self.running.withLock { running -> Bool in
                    running.tasks[id] = nil
                    if running.barrier?.id == id { running.barrier = nil }
                    guard running.pressured, running.tasks.count <= pressure.low else { return false }
                    running.pressured = false
                    return true
                }
                if relieved { onPressure(false) }
                daemonWide.leave()
            }
            running.tasks[id] = task
            if barrier || previous != nil { running.barrier = (id, task) }
            if running.cancelled { task.cancel() }
            guard !running.pressured, running.tasks.count >= pressure.high else { return (task, false) }
            running.pressured = true
            return (task, true)
        }
        if pressed { onPressure(true) }
        return task
    }

    func cancelAll() {
        let tasks = running.withLock { running in
            running.cancelled = true
            return Array(running.tasks.values)
        }
        for task in tasks { task.cancel() }
    }

    /// Counts a refused `session.auth`; true while the connection may try again.
    func mayRetryAuth() -> Bool {
        authFailures.add(1, ordering: .relaxed).newValue < Self.authAttempts
    }

    /// A client that mistyped a token may retry; one guessing tokens is cut off.
    static let authAttempts = 3
    private let authFailures = Atomic<Int>(0)

    /// True exactly once: the first time the connection is seen authenticated.
    func liftPreAuthLimit() -> Bool {
        !limitLifted.exchange(true, ordering: .relaxed)
    }
}

/// A value delivered to a continuation exactly once, by whichever of several racers (a result,
/// a deadline, a cancellation) comes first, whether it comes before or after the continuation
/// is armed: a task cancelled before it starts waiting settles first.
final class Once<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var value: Value?
        var settled = false
    }

    private let state = Mutex(State())

    func arm(_ continuation: CheckedContinuation<Value, Never>) {
        let early = state.withLock { state -> Value? in
            guard state.settled else {
                state.continuation = continuation
                return nil
            }
            defer { state.value = nil }
            return state.value
        }
        if let early { continuation.resume(returning: early) }
    }

    func settle(_ value: Value) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
            guard !state.settled else { return nil }
            state.settled = true
            guard let continuation = state.continuation else {
                state.value = value
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: value)
    }
}

/// Requests running on every connection of one daemon.
final class InFlightCount: Sendable {
    private let value = Atomic<Int>(0)
    var current: Int { value.load(ordering: .acquiring) }
    func enter() { value.add(1, ordering: .relaxed) }
    func leave() { value.subtract(1, ordering: .releasing) }
}
