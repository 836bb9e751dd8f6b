import Foundation
import Glibc
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

    @Test func aChildPastItsDeadlineIsKilled() async throws {
        let started = ContinuousClock.now
        let outcome = try await shell("exec sleep 30", timeout: .milliseconds(200)).run()
        #expect(outcome.timedOut)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// A request that dies with its connection must not leave its child running to the deadline.
    @Test func cancellingTheCallerKillsTheChild() async throws {
        let pidFile = NSTemporaryDirectory() + "car-runner-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(pidFile) }
        let runner = shell("echo $$ > '\(pidFile)'; exec sleep 30", timeout: .seconds(60))
        let task = Task { try await runner.run() }
        var pid: pid_t = 0
        for _ in 0..<200 where pid == 0 {
            try await Task.sleep(for: .milliseconds(10))
            pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        }
        #expect(pid > 0, "the child wrote its pid")
        let cancelledAt = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - cancelledAt < .seconds(2))
        // Killed and reaped: not even a zombie is left under that pid.
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }
}
