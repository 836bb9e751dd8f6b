import CarIO
import Foundation
import Glibc
import Synchronization
import Testing

@Suite struct BlockingPoolTests {
    @Test func runsOffTheCallersThreadAndReturnsTheResult() async throws {
        let pool = BlockingPool(threads: 2, maxQueued: 8)
        // The kernel's name of the thread the job ran on.
        let name = try await pool.run { () -> String in
            (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        }
        #expect(name.hasPrefix("car-blocking-"))
        let doubled = try await pool.run { 21 * 2 }
        #expect(doubled == 42)
    }

    @Test func errorsReachTheCaller() async {
        struct Boom: Error {}
        let pool = BlockingPool(threads: 1, maxQueued: 8)
        await #expect(throws: Boom.self) { try await pool.run { throw Boom() } }
    }

    @Test func aFullQueueRefusesAtOnce() async throws {
        let pool = BlockingPool(threads: 1, maxQueued: 1)
        let gate = DispatchSemaphore(value: 0)
        async let first: Void = pool.run { gate.wait() }
        // Waiting on the worker is polled: blocking a cooperative thread could starve the test.
        while pool.busyCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
        async let second: Void = pool.run {}
        // The second waits in the queue (its one slot); a third is refused.
        while pool.queuedCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
        await #expect(throws: BlockingPoolError.saturated(limit: 1)) { try await pool.run {} }
        gate.signal()
        _ = try await (first, second)
    }

    @Test func aCancelledJobThatHasNotStartedIsNotRun() async throws {
        let pool = BlockingPool(threads: 1, maxQueued: 8)
        let gate = DispatchSemaphore(value: 0)
        let ran = Atomic<Bool>(false)
        let blocker = Task { try await pool.run { gate.wait() } }
        while pool.busyCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
        let victim = Task { try await pool.run { ran.store(true, ordering: .relaxed) } }
        while pool.queuedCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
        victim.cancel()
        gate.signal()
        await #expect(throws: CancellationError.self) { try await victim.value }
        try await blocker.value
        let didRun = ran.load(ordering: .relaxed)
        #expect(!didRun)
    }
}
