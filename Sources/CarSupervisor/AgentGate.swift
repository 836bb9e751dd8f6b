import Synchronization

/// One operation at a time per agent (start, stop, restart, remove, an automatic restart):
/// an async mutex whose waiters suspend instead of blocking a thread. At most `maxWaiters` queue.
final class AgentGate: Sendable {
    static let maxWaiters = 256

    private struct State {
        var busy = false
        /// Resumed with `false` (not refused) when the gate is handed to them.
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())

    func acquire(id: String) async throws(AgentError) {
        let refused: Bool = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let immediate: Bool? = state.withLock { state in
                if !state.busy {
                    state.busy = true
                    return false
                }
                if state.waiters.count >= Self.maxWaiters { return true }
                state.waiters.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        if refused { throw AgentError(.limit, "too many operations queued on agent '\(id)' (at most \(Self.maxWaiters)); try again") }
    }

    func release() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume(returning: false)
    }
}
