import CarRPC
import Synchronization

/// Runs one dispatch under its handler deadline, in its own task: past the deadline the work
/// is cancelled and nil comes back at once, so the caller answers -32004 and goes on, while a
/// reply the work produces afterwards is dropped. Cancelling the caller cancels the work and
/// also answers nil at once.
/// Shared by WebSocket batches and MCP tool calls, so both meet the deadline the same way.
struct BoundedDispatch {
    let deadlines: DeadlineTable
    let inFlight: InFlightCount

    func run(budget: Duration, executor: any TaskExecutor, _ work: @escaping @Sendable () async -> DispatchReply) async -> DispatchReply? {
        let outcome = Once<DispatchReply?>()
        let running = Mutex<Task<Void, Never>?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<DispatchReply?, Never>) in
                outcome.arm(continuation)
                let token = deadlines.add(after: budget) {
                    running.withLock { $0 }?.cancel()
                    outcome.settle(nil)
                }
                inFlight.enter()
                let task = Task(executorPreference: executor) { [inFlight, deadlines] in
                    defer { inFlight.leave() }
                    let reply = await work()
                    if let token { deadlines.finish(token) }
                    outcome.settle(reply)
                }
                running.withLock { $0 = task }
                if Task.isCancelled { task.cancel() }
            }
        } onCancel: {
            // The caller stops waiting now; the work ends when it sees the cancellation.
            running.withLock { $0 }?.cancel()
            outcome.settle(nil)
        }
    }

    static func deadlineError(_ method: String, _ budget: Duration) -> RPCError {
        RPCError(code: RPCErrorCode.deadlineExceeded,
                 message: "handler deadline exceeded: '\(method)' ran longer than \(seconds(budget))s")
    }

    static func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)" : "\(Double(millis) / 1000)"
    }
}
