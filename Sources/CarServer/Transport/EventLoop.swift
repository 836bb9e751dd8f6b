import CCarSystem
import Dispatch
import Foundation
import Glibc
import CarIO
import Synchronization

/// What the loop calls when a registered file descriptor is ready. Called on the loop thread.
protocol EventLoopHandler: AnyObject {
    func handleEvents(_ events: UInt32)
}

/// One thread waiting in epoll: every socket of the server is served from here, so the number
/// of connections costs file descriptors and buffers, never threads. It is also a
/// `TaskExecutor`: request handlers started with it as their preference run on this thread
/// between socket events, and the replies they produce are flushed in one pass at the end of
/// each iteration (one write per connection per iteration, however many replies).
public final class EventLoop: TaskExecutor, @unchecked Sendable {
    private enum Work {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private struct Inbox {
        var work: [Work] = []
        /// True while the loop is (about to be) blocked in epoll_wait: only then does an
        /// enqueue need the eventfd write, which keeps the syscall off the busy path.
        var sleeping = false
        var stopping = false
    }

    private static let maxEventsPerWait: Int32 = 256
    /// Rounds of queued work per iteration before the loop goes back to the sockets, so a
    /// handler that keeps re-enqueueing itself cannot starve I/O.
    private static let maxWorkRounds = 16

    private let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Mutex(Inbox())
    private let loopThreadID = Atomic<UInt>(0)
    private let finished = DispatchSemaphore(value: 0)

    // Loop-confined state (touched only on the loop thread).
    private var handlers: [EventLoopHandler?] = []
    private var timers = TimerHeap()
    private var endOfIteration: [() -> Void] = []
    private var workBatch: [Work] = []
    private var endBatch: [() -> Void] = []

    public init(name: String = "car-event-loop") {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        precondition(epollFD >= 0 && wakeFD >= 0, "cannot create the event loop: \(SystemError.lastErrno())")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    /// True when called from the loop thread; loop-confined state may then be touched directly.
    public var inLoop: Bool { loopThreadID.load(ordering: .acquiring) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

    /// Runs `work` on the loop thread, soon. Safe from any thread.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        submit(.closure(work))
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// Stops the loop after the current iteration and waits for its thread to end. Work
    /// submitted afterwards runs on a global queue so no task is stranded.
    public func shutdown() {
        let wake = inbox.withLock { inbox -> Bool in
            let wasRunning = !inbox.stopping
            inbox.stopping = true
            return wasRunning
        }
        guard wake else { return }
        signalWake()
        if !inLoop { finished.wait() }
    }

    private func submit(_ work: Work) {
        let outcome = inbox.withLock { inbox -> (wake: Bool, accepted: Bool) in
            if inbox.stopping { return (false, false) }
            inbox.work.append(work)
            defer { inbox.sleeping = false }
            return (inbox.sleeping, true)
        }
        if !outcome.accepted {
            runElsewhere(work)
        } else if outcome.wake {
            signalWake()
        }
    }

    private func runElsewhere(_ work: Work) {
        let executor = self
        switch work {
        case .closure(let closure): DispatchQueue.global().async(execute: closure)
        case .job(let job):
            nonisolated(unsafe) let job = job
            DispatchQueue.global().async { job.runSynchronously(on: executor.asUnownedTaskExecutor()) }
        }
    }

    private func signalWake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: Loop-thread API

    func register(fd: Int32, events: UInt32, handler: EventLoopHandler) throws(SystemError) {
        assert(inLoop)
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else { throw SystemError.lastErrno("epoll_ctl(ADD)") }
        let index = Int(fd)
        if index >= handlers.count { handlers.append(contentsOf: repeatElement(nil, count: index - handlers.count + 1)) }
        handlers[index] = handler
    }

    func modify(fd: Int32, events: UInt32) {
        assert(inLoop)
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Forgets the descriptor; the caller closes it afterwards.
    func unregister(fd: Int32) {
        assert(inLoop)
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
        if Int(fd) < handlers.count { handlers[Int(fd)] = nil }
    }

    @discardableResult
    func schedule(after seconds: Double, _ work: @escaping () -> Void) -> LoopTimer {
        schedule(at: SaturatingTime.deadline(after: SaturatingTime.duration(seconds: seconds)), work)
    }

    /// `work` at a monotonic deadline (nanoseconds).
    @discardableResult
    func schedule(at deadline: UInt64, _ work: @escaping () -> Void) -> LoopTimer {
        assert(inLoop)
        return timers.schedule(at: deadline, work)
    }

    /// Runs `work` once, after this iteration's events and queued work: how connections batch
    /// every reply produced in one iteration into a single write.
    func atEndOfIteration(_ work: @escaping () -> Void) {
        assert(inLoop)
        endOfIteration.append(work)
    }

    // MARK: The loop

    private func run() {
        loopThreadID.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .releasing)
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(Self.maxEventsPerWait))
        defer {
            events.deallocate()
            finished.signal()
        }
        while true {
            let timeout = nextTimeout()
            if timeout == nil { break }
            let count = epoll_wait(epollFD, events, Self.maxEventsPerWait, timeout!)
            inbox.withLock { $0.sleeping = false }
            if count > 0 {
                for index in 0..<Int(count) {
                    let fd = events[index].data.fd
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = read(wakeFD, &value, 8)
                    } else if Int(fd) < handlers.count, let handler = handlers[Int(fd)] {
                        handler.handleEvents(events[index].events)
                    }
                }
            }
            for work in timers.takeDue(now: MonotonicClock.nanoseconds()) { work() }
            runQueuedWork()
            runEndOfIteration()
        }
        // Last chance for anything queued while stopping (shutdown flushes close frames).
        runQueuedWork()
        runEndOfIteration()
    }

    /// The epoll timeout for the next wait, or nil when the loop is stopping.
    private func nextTimeout() -> Int32? {
        let nextTimer = timers.nextDeadline
        return inbox.withLock { inbox -> Int32? in
            if inbox.stopping { return nil }
            if !inbox.work.isEmpty || !endOfIteration.isEmpty { return 0 }
            inbox.sleeping = true
            guard let nextTimer else { return -1 }
            let now = MonotonicClock.nanoseconds()
            if nextTimer <= now { return 0 }
            return Int32(clamping: (nextTimer - now + 999_999) / 1_000_000)
        }
    }

    private func runQueuedWork() {
        let executor = asUnownedTaskExecutor()
        for _ in 0..<Self.maxWorkRounds {
            // Swapping buffers keeps both arrays' storage alive across iterations: no
            // allocation per round on a busy loop.
            inbox.withLock { swap(&workBatch, &$0.work) }
            if workBatch.isEmpty { return }
            for work in workBatch {
                switch work {
                case .job(let job): job.runSynchronously(on: executor)
                case .closure(let closure): closure()
                }
            }
            workBatch.removeAll(keepingCapacity: true)
        }
    }

    private func runEndOfIteration() {
        while !endOfIteration.isEmpty {
            swap(&endBatch, &endOfIteration)
            for work in endBatch { work() }
            endBatch.removeAll(keepingCapacity: true)
        }
    }
}
