import CarRPC
import Dispatch
import Synchronization
import Testing
@testable import CarServer

/// A bounded dispatch answers whichever comes first — the work, the deadline, the caller's
/// cancellation — and never waits for ever, even when the caller was cancelled before it
/// began waiting (the MCP call cancelled in the same turn it started; a WebSocket batch whose
/// connection closed between two elements). Tasks run on an event loop and the test waits on
/// a semaphore: the cooperative pool may be busy with other suites' blocking clients.
@Suite("transport: bounded dispatch")
struct BoundedDispatchTests {
    /// Runs `body` on `loop` and waits for its value at most `seconds`; nil when it did not
    /// come (a task that never returns fails the test instead of hanging the run).
    private func value<T: Sendable>(on loop: EventLoop, within seconds: Double, _ body: @escaping @Sendable () async -> T) -> T? {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: loop) {
            let value = await body()
            result.withLock { $0 = value }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else {
            Issue.record("no answer within \(seconds) s")
            return nil
        }
        return result.withLock { $0 }
    }

    @Test func aValueSettledBeforeTheWaitStartsIsDelivered() {
        let loop = EventLoop()
        defer { loop.shutdown() }
        let once = Once<Int?>()
        once.settle(nil)
        once.settle(7)
        let value = value(on: loop, within: 10) { await withCheckedContinuation { once.arm($0) } }
        #expect(value == .some(nil))
    }

    @Test func aCallerCancelledBeforeItWaitsIsAnsweredAtOnce() {
        let loop = EventLoop()
        defer { loop.shutdown() }
        let inFlight = InFlightCount()
        let bounded = BoundedDispatch(deadlines: DeadlineTable(scheduler: loop), inFlight: inFlight)
        let answer = value(on: loop, within: 10) { () -> Bool in
            let caller = Task(executorPreference: loop) { () -> DispatchReply? in
                // Cancelled before `run` is entered.
                while !Task.isCancelled { await Task.yield() }
                return await bounded.run(budget: .seconds(60), executor: loop) {
                    try? await Task.sleep(for: .seconds(30))
                    return DispatchReply(message: .string("late"))
                }
            }
            caller.cancel()
            return await caller.value == nil
        }
        #expect(answer == true, "a cancelled caller gets nil, at once")
    }

    @Test func theDeadlineAnswersWhenTheWorkIsSlow() {
        let loop = EventLoop()
        defer { loop.shutdown() }
        let bounded = BoundedDispatch(deadlines: DeadlineTable(scheduler: loop), inFlight: InFlightCount())
        let answer = value(on: loop, within: 10) { () -> Bool in
            await bounded.run(budget: .milliseconds(50), executor: loop) {
                try? await Task.sleep(for: .seconds(30))
                return DispatchReply(message: .string("late"))
            } == nil
        }
        #expect(answer == true)
    }
}
