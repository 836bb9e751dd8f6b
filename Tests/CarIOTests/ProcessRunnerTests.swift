import Foundation
import Glibc
import Synchronization
import Testing
@testable import CarIO

@Suite("process runner")
struct ProcessRunnerTests {
    private func shell(_ script: String, timeout: Duration = .seconds(10), maxOutputBytes: Int = 1 << 20) -> ProcessRunner {
        ProcessRunner(executable: "/bin/sh", arguments: ["-c", script], timeout: timeout, maxOutputBytes: maxOutputBytes)
    }

    @Test func outputAndStatusComeBack() async throws {
        let outcome = try await shell("printf hello; exit 3").run()
        #expect(outcome.output == Array("hello".utf8))
        #expect(outcome.status == 3)
        #expect(!outcome.timedOut && !outcome.truncated)
    }

    @Test func outputIsCutAtItsBound() async throws {
        let outcome = try await shell("head -c 100000 /dev/zero", maxOutputBytes: 1000).run()
        #expect(outcome.output.count == 1000)
        #expect(outcome.truncated)
    }

    /// Runs `runBlocking` on a thread of its own and waits for it with a bound: the timing
    /// then measures the runner, not how soon Swift's cooperative pool (which the daemon
    /// tests running beside these keep busy) resumes an async test.
    private func runOnThread(_ runner: ProcessRunner, cancelled: @escaping @Sendable () -> Bool = { false },
                             within bound: Double) -> (result: Result<ProcessRunner.Outcome, any Error>, seconds: Double)? {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<Result<ProcessRunner.Outcome, any Error>?>(nil)
        let started = DispatchTime.now().uptimeNanoseconds
        let thread = Thread {
            let result = Result { try runner.runBlocking(cancelled: cancelled) }
            box.withLock { $0 = result }
            done.signal()
        }
        thread.start()
        guard done.wait(timeout: .now() + bound) == .success, let result = box.withLock({ $0 }) else { return nil }
        return (result, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }

    @Test func aChildPastItsDeadlineIsKilled() throws {
        let run = try #require(runOnThread(shell("exec sleep 30", timeout: .milliseconds(200)), within: 10), "still waiting after 10 s")
        #expect(try run.result.get().timedOut)
        #expect(run.seconds < 5)
    }

    /// A request that dies with its connection must not leave its child running to the deadline.
    @Test func cancellingTheCallerKillsTheChild() throws {
        let pidFile = NSTemporaryDirectory() + "car-runner-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(pidFile) }
        let cancel = Atomic<Bool>(false)
        let runner = shell("echo $$ > '\(pidFile)'; exec sleep 30", timeout: .seconds(60))
        // Cancel as soon as the child has written its pid.
        let canceller = Thread {
            for _ in 0..<500 where !FileManager.default.fileExists(atPath: pidFile) { usleep(10_000) }
            usleep(20_000)
            cancel.store(true, ordering: .releasing)
        }
        canceller.start()
        let cancelled: @Sendable () -> Bool = { cancel.load(ordering: .acquiring) }
        let run = try #require(runOnThread(runner, cancelled: cancelled, within: 10), "still waiting after 10 s")
        #expect(throws: CancellationError.self) { try run.result.get() }
        #expect(run.seconds < 5)
        let pid = pid_t((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(pid > 0, "the child wrote its pid")
        // Killed and reaped: not even a zombie is left under that pid.
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    /// The async entry turns the calling task's cancellation into the same kill.
    @Test func cancellingTheTaskThrows() async throws {
        let task = Task { try await shell("exec sleep 30", timeout: .seconds(60)).run() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
