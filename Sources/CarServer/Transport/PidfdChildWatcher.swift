import CCarSystem
import CarIO
import CarSupervisor
import Glibc

/// Notices process exits with pidfd_open(2) registered on the event loop's epoll: no thread and
/// no polling per child, and it works for any pid (a child of an earlier daemon too). `onExit`
/// runs once, on the loop thread; the pidfd is closed before it runs.
public final class PidfdChildWatcher: ChildWatcher {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let loop: EventLoop

    public init(loop: EventLoop) {
        self.loop = loop
    }

    /// Throws when the kernel lacks pidfd_open (Linux before 5.3) or the process is gone already
    /// (ESRCH: the caller decides what an exit it did not see means).
    public func watch(pid: Int32, onExit: @escaping @Sendable () -> Void) throws {
        let fd = car_pidfd_open(pid, 0)
        guard fd >= 0 else {
            let code = errno
            if code == ENOSYS {
                throw Failure(description: "pidfd_open is not available on this kernel (Linux 5.3 or later is needed to supervise agents)")
            }
            throw Failure(description: "pidfd_open(\(pid)): \(String(cString: strerror(code)))")
        }
        register(fd, onExit)
    }

    /// Watches a duplicate of `pidfd` (the caller keeps and closes its own).
    public func watch(pidfd: Int32, onExit: @escaping @Sendable () -> Void) throws {
        let fd = fcntl(pidfd, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw Failure(description: "cannot duplicate pidfd \(pidfd): \(String(cString: strerror(errno)))") }
        register(fd, onExit)
    }

    private func register(_ fd: Int32, _ onExit: @escaping @Sendable () -> Void) {
        let loop = loop
        let register: @Sendable () -> Void = {
            let watch = PidfdWatch(fd: fd, loop: loop, onExit: onExit)
            do {
                try loop.register(fd: fd, events: EPOLLIN.rawValue, handler: watch)
            } catch {
                // epoll refused (ENOMEM, ENOSPC): wait for the exit on a thread of its own instead.
                watch.waitOnThread()
            }
        }
        if loop.inLoop { register() } else { loop.execute(register) }
    }
}

/// One watched process; the loop's handler table keeps it alive until it fires.
private final class PidfdWatch: EventLoopHandler, @unchecked Sendable {
    private let fd: Int32
    private unowned let loop: EventLoop
    private let onExit: @Sendable () -> Void
    private var fired = false

    init(fd: Int32, loop: EventLoop, onExit: @escaping @Sendable () -> Void) {
        self.fd = fd
        self.loop = loop
        self.onExit = onExit
    }

    func handleEvents(_ events: UInt32) {
        guard !fired else { return }
        fired = true
        loop.unregister(fd: fd)
        close(fd)
        onExit()
    }

    func waitOnThread() {
        let fd = fd
        let onExit = onExit
        let loop = loop
        var thread = pthread_t()
        let box = Unmanaged.passRetained(ThreadBody {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&poller, 1, -1) < 0 && errno == EINTR {}
            close(fd)
            loop.execute(onExit)
        })
        pthread_create(&thread, nil, { raw in
            let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
    }
}

private final class ThreadBody: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// The supervisor's timers on the event loop's timer heap; the cancel closure may be called from
/// any thread and wins over a timer that has not fired.
public struct LoopSupervisorScheduler: SupervisorScheduler {
    private let loop: EventLoop

    public init(loop: EventLoop) {
        self.loop = loop
    }

    public func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let deadline = SaturatingTime.deadline(after: delay)
        let handle = loop.schedule(deadline: deadline, work)
        return { handle.cancel() }
    }
}
