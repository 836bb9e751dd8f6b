import Dispatch
import CarJSON
import Synchronization

/// One task while this dispatcher works on it: the latest version of the task, the streams
/// following it, the sends waiting for it, and the Swift task running its work.
///
/// Every change goes through `commit`, one at a time (`lane`): the change is made to a copy,
/// saved, and only then becomes the snapshot and goes out to the streams, so what a client
/// sees is always what the store holds, in order. Once a change reaches a state that ends the
/// interaction (`A2ATaskState.endsInteraction`) the run is settled: later commits do nothing
/// (a cancel that won the race stays canceled), the streams end, the waiters wake.
final class A2ATaskRun: Sendable {
    let id: String
    private let lane = A2ASerialLane()
    private let state: Mutex<State>

    private struct Subscriber {
        let codec: A2ACodec
        let continuation: AsyncStream<A2AStreamEvent>.Continuation
    }

    private struct Waiter {
        let condition: @Sendable (A2ATask) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var task: A2ATask
        var settled = false
        var subscribers: [UInt64: Subscriber] = [:]
        var waiters: [UInt64: Waiter] = [:]
        /// Waiters whose wait ended (timeout, cancellation) before they were registered.
        var abandoned: Set<UInt64> = []
        var nextID: UInt64 = 0
        var worker: Task<Void, Never>?
        var cancelRequested = false
    }

    /// Where the work and the wait timers run (the daemon's event loop); nil: the global pool.
    let executor: (any TaskExecutor)?

    init(task: A2ATask, executor: (any TaskExecutor)? = nil) {
        id = task.id
        state = Mutex(State(task: task))
        self.executor = executor
    }

    var snapshot: A2ATask { state.withLock { $0.task } }
    var isSettled: Bool { state.withLock { $0.settled } }
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    // MARK: Changes

    /// Applies `change` (nil from it: nothing to do), saving the result with `persist` before
    /// anyone sees it. A failed save still publishes the change (the run's clients must see it
    /// end) and is reported through `saveFailed`. Answers the task as it is afterwards.
    @discardableResult
    func commit(persist: @Sendable (A2ATask) async throws(A2AError) -> Void, saveFailed: (A2AError) -> Void,
                _ change: (inout A2ATask) -> [A2AUpdate]?) async -> A2ATask {
        await lane.run { () async -> A2ATask in
            let (current, settled) = state.withLock { ($0.task, $0.settled) }
            guard !settled else { return current }
            var next = current
            guard var updates = change(&next) else { return current }
            do throws(A2AError) {
                try await persist(next)
            } catch {
                saveFailed(error)
                // The end not saved, the store would show the task working for good (and a
                // live task is never evicted): it ends failed, without what could not be kept.
                if next.status.state.isTerminal {
                    let note = A2AMessage.agentText("the task finished but its result could not be stored: \(error.message)",
                                                    taskID: next.id, contextID: next.contextID)
                    next.artifacts = []
                    next.status = A2ATaskStatus(state: .failed, message: note, timestamp: next.status.timestamp)
                    updates = [.status(A2AStatusUpdate(taskID: next.id, contextID: next.contextID, status: next.status))]
                    do throws(A2AError) { try await persist(next) } catch { saveFailed(error) }
                }
            }
            publish(next, updates)
            return next
        }
    }

    private func publish(_ task: A2ATask, _ updates: [A2AUpdate]) {
        var ended: [AsyncStream<A2AStreamEvent>.Continuation] = []
        var woken: [CheckedContinuation<Void, Never>] = []
        state.withLock { state in
            state.task = task
            var encoded: [A2AProtocolVersion: [JSONValue]] = [:]
            for (id, subscriber) in state.subscribers {
                let version = subscriber.codec.version
                let events = encoded[version] ?? updates.map(subscriber.codec.encode)
                encoded[version] = events
                for event in events {
                    if case .dropped = subscriber.continuation.yield(.result(event)) {
                        // A consumer this far behind is let go; it can read the task with GetTask.
                        state.subscribers[id] = nil
                        ended.append(subscriber.continuation)
                        break
                    }
                }
            }
            if task.status.state.endsInteraction {
                state.settled = true
                ended += state.subscribers.values.map(\.continuation)
                state.subscribers = [:]
            }
            for (id, waiter) in state.waiters where state.settled || waiter.condition(task) {
                state.waiters[id] = nil
                woken.append(waiter.continuation)
            }
        }
        // Outside the lock: finishing runs the stream's onTermination, which takes it.
        for continuation in ended { continuation.finish() }
        for continuation in woken { continuation.resume() }
    }

    // MARK: Streams

    /// A stream that starts with the task as it is now (history cut to `historyLength`) and
    /// goes on with every change; nil when the run has settled (nothing more will come).
    func subscribe(codec: A2ACodec, historyLength: Int?, limits: A2ALimits) throws(A2AError) -> AsyncStream<A2AStreamEvent>? {
        let (stream, continuation) = AsyncStream.makeStream(of: A2AStreamEvent.self,
                                                            bufferingPolicy: .bufferingOldest(max(2, limits.streamBuffer)))
        let id: UInt64? = try state.withLock { state throws(A2AError) -> UInt64? in
            guard !state.settled else { return nil }
            guard state.subscribers.count < limits.maxSubscribersPerTask else {
                throw .internalError("task \(A2AError.clip(self.id)) already has \(limits.maxSubscribersPerTask) streams following it, the limit")
            }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(codec: codec, continuation: continuation)
            continuation.yield(.result(codec.encode(A2AUpdate.task(state.task.trimmed(historyLength: historyLength)))))
            return id
        }
        guard let id else { return nil }
        // A consumer that stops reading only stops following: the task goes on.
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every stream and wakes every waiter now, without settling (shutdown: the work is
    /// being cancelled and will still record how it ended).
    func close() {
        let (streams, waiters) = state.withLock { state in
            defer {
                state.subscribers = [:]
                state.waiters = [:]
            }
            return (state.subscribers.values.map(\.continuation), state.waiters.values.map(\.continuation))
        }
        for stream in streams { stream.finish() }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Waiting

    /// Returns once the task satisfies `condition` (or the run settles), after `timeout`, or
    /// when the caller is cancelled, whichever comes first. Never holds a thread.
    func wait(until condition: @escaping @Sendable (A2ATask) -> Bool, timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextID += 1 }
            return state.nextID
        }
        // A dispatch timer, not a sleeping task: cancelling it frees it at once, where a
        // cancelled Task.sleep keeps its memory until the deadline (every blocking send would
        // hold some for the whole blocking wait, 180 s by default).
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let nanoseconds = timeout.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let delay = nanoseconds.overflow ? Int.max : Int(clamping: nanoseconds.partialValue + timeout.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(max(0, delay)))
        timer.setEventHandler { [weak self] in self?.abandonWait(id) }
        timer.resume()
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.abandoned.remove(id) != nil || state.settled || condition(state.task) { return true }
                    state.waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: { [weak self] in
            self?.abandonWait(id)
        }
    }

    private func abandonWait(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            // Not registered yet (or already woken): mark it so registration does not wait.
            if state.abandoned.count < 4_096 { state.abandoned.insert(id) }
            return nil
        }
        waiter?.continuation.resume()
    }

    // MARK: Work

    /// Runs the work in a task of its own, so the caller's cancellation (its client going
    /// away) does not stop it; only `requestCancel` does.
    func start(_ body: @escaping @Sendable () async -> Void) {
        let worker = Task.detached(executorPreference: executor, operation: body)
        let cancelNow = state.withLock { state -> Bool in
            state.worker = worker
            return state.cancelRequested
        }
        if cancelNow { worker.cancel() }
    }

    /// Cancels the Swift task running the work (the runtime sees it and stops).
    func requestCancel() {
        let worker = state.withLock { state -> Task<Void, Never>? in
            state.cancelRequested = true
            return state.worker
        }
        worker?.cancel()
    }
}
