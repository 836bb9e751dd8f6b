import Synchronization
import Foundation
import Glibc

/// Runs a child process to completion on the blocking pool: posix_spawn with stdout on a pipe
/// (stderr and stdin on /dev/null), output read up to a byte bound, the child killed when it
/// outlives its deadline. The caller's task waits; the event loop never does.
public struct ProcessRunner: Sendable {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: [UInt8]
        public var timedOut: Bool
        /// Output past the bound was discarded.
        public var truncated: Bool
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public var executable: String
    public var arguments: [String]
    public var timeout: Duration
    public var maxOutputBytes: Int

    public init(executable: String, arguments: [String], timeout: Duration, maxOutputBytes: Int) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
    }

    /// Cancelling the calling task kills the child (within `cancelCheckMs`) and throws
    /// `CancellationError`: a request that dies with its connection takes its child with it.
    public func run(on pool: BlockingPool = .shared) async throws -> Outcome {
        let cancelled = CancelFlag()
        return try await withTaskCancellationHandler {
            try await pool.run { try runBlocking(cancelled: { cancelled.isSet }) }
        } onCancel: {
            cancelled.set()
        }
    }

    /// How often a running child's waiter looks at its caller's cancellation.
    static let cancelCheckMs: Int32 = 50

    /// The blocking part; public for callers already on a pool thread.
    public func runBlocking(cancelled: () -> Bool = { false }) throws -> Outcome {
        // pipe2 is not in Glibc's Swift module: creating the pipe, marking it close-on-exec and
        // spawning happen under one lock, so no other child of ours can inherit this pipe.
        ChildSpawn.lock.lock()
        var locked = true
        defer { if locked { ChildSpawn.lock.unlock() } }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (pipeFDs[0], pipeFDs[1])
        // Neither end may leak into other children the daemon starts meanwhile.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        let pid: pid_t
        do {
            pid = try ChildSpawn.spawnLocked(ChildSpawn.Options(executable: executable, arguments: arguments, stdout: .descriptor(writeEnd)))
        } catch {
            close(writeEnd)
            close(readEnd)
            throw Failure(description: error.description)
        }
        close(writeEnd)
        ChildSpawn.lock.unlock()
        locked = false

        let deadline = SaturatingTime.deadline(after: timeout)
        var output: [UInt8] = []
        var truncated = false
        var timedOut = false
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var abandoned = false
        while true {
            let now = MonotonicClock.nanoseconds()
            if now >= deadline {
                timedOut = true
                break
            }
            if cancelled() {
                abandoned = true
                break
            }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let waitMs = min(Self.cancelCheckMs, Int32(clamping: (deadline - now) / 1_000_000 + 1))
            let ready = poll(&poller, 1, waitMs)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { break }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            let room = maxOutputBytes - output.count
            if room > 0 { output.append(contentsOf: chunk[..<min(count, room)]) }
            if count > room { truncated = true }
        }
        close(readEnd)
        var status: Int32 = 0
        // A child that closed its stdout may still run: it gets until the deadline to exit.
        while !timedOut && !abandoned {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { break }
            if MonotonicClock.nanoseconds() >= deadline { timedOut = true; break }
            if cancelled() { abandoned = true; break }
            usleep(2_000)
        }
        if timedOut || abandoned {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        if abandoned { throw CancellationError() }
        // WIFEXITED / WEXITSTATUS by hand: the macros are not imported.
        let exited = status & 0x7f == 0
        return Outcome(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: output,
                       timedOut: timedOut, truncated: truncated)
    }
}

/// Set once, from the cancellation handler; read by the pool thread that waits on the child.
private final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
