/// Runs one body at a time, in arrival order, across suspension points (an actor alone does
/// not: it is reentrant at every `await`). Bounded: past `maxWaiting` queued callers a call is
/// refused rather than queued.
actor A2ASerialGate {
    private let maxWaiting: Int
    /// What the gate guards, for the refusal ("the peer registry").
    private let guarding: String
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(maxWaiting: Int, guarding: String) {
        self.maxWaiting = max(1, maxWaiting)
        self.guarding = guarding
    }

    func run<T: Sendable>(_ body: @Sendable () async throws(A2AError) -> T) async throws(A2AError) -> T {
        if busy {
            guard waiters.count < maxWaiting else {
                throw A2AError(code: A2AError.internalErrorCode, message: "\(guarding) is busy (\(maxWaiting) changes waiting); try again")
            }
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        // Hands the gate straight to the next waiter, so no newcomer overtakes it.
        defer { if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() } }
        return try await body()
    }
}
