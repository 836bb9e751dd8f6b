import Synchronization

/// Runs async jobs one at a time, in the order they asked: the writes of one task log, the
/// changes of one task. A job waits for its turn without holding a thread.
///
/// Waiting is not cancellable: a job that asked for its turn gets it, so a change is never
/// lost half-way because its caller went away. Bounded by its callers: each holds a place in
/// some other bound (a running task, a request being served).
final class A2ASerialLane: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = Mutex(State())

    func run<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let mustWait = state.withLock { state -> Bool in
            if !state.busy {
                state.busy = true
                return false
            }
            return true
        }
        guard mustWait else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                // The holder may have left between the check above and now.
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiting.count else {
                state.busy = false
                state.waiting.removeAll(keepingCapacity: true)
                state.head = 0
                return nil
            }
            let next = state.waiting[state.head]
            state.head += 1
            if state.head > 64 && state.head * 2 > state.waiting.count {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        // The turn passes straight to the next job: `busy` stays set.
        next?.resume()
    }
}
