import Synchronization
import Testing
@testable import CarServer

/// A connection whose client pipelines without waiting for replies stops being read past
/// `Pressure.high` running requests, and is read again at `Pressure.low`.
@Suite("request pressure")
struct RequestPressureTests {
    @Test func readsStopAtHighWaterAndResumeAtLowWater() async throws {
        let calls = Mutex<[Bool]>([])
        let tasks = RequestTasks(daemonWide: InFlightCount(), pressure: .init(high: 8, low: 3)) { pressed in
            calls.withLock { $0.append(pressed) }
        }
        let gate = Gate()
        for _ in 0..<10 {
            tasks.start(executor: globalConcurrentExecutor) { await gate.wait() }
        }
        #expect(calls.withLock { $0 } == [true], "one hold when the eighth request started")
        // Let them finish one by one: the hold is released once three are left, and only once.
        for remaining in (0..<10).reversed() {
            gate.openOne()
            let expected = remaining <= 3 ? [true, false] : [true]
            // The callback runs just after the count drops, on the finishing task.
            for _ in 0..<1000 where tasks.count > remaining || calls.withLock({ $0 }) != expected {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(calls.withLock { $0 } == expected, "\(remaining) still running")
        }
        for _ in 0..<1000 where tasks.count > 0 { try await Task.sleep(for: .milliseconds(2)) }
        #expect(tasks.count == 0)
        #expect(calls.withLock { $0 } == [true, false])
    }
}

/// Continuations released one at a time.
private final class Gate: Sendable {
    private let waiting = Mutex<(continuations: [CheckedContinuation<Void, Never>], credits: Int)>(([], 0))

    func wait() async {
        await withCheckedContinuation { continuation in
            let runNow = waiting.withLock { state -> Bool in
                if state.credits > 0 {
                    state.credits -= 1
                    return true
                }
                state.continuations.append(continuation)
                return false
            }
            if runNow { continuation.resume() }
        }
    }

    func openOne() {
        let next = waiting.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.continuations.isEmpty else {
                state.credits += 1
                return nil
            }
            return state.continuations.removeFirst()
        }
        next?.resume()
    }
}
