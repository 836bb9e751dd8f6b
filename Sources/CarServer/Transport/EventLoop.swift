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
        /// A job of a task that says what it is working on (a method name), for the watchdog.
        case labeledJob(UnownedJob, LabeledExecutor)
        case closure(@Sendable () -> Void)
    }

    /// One turn of the loop longer than this is logged, naming what ran longest in it: 50 ms,
    /// or `CAR_LOOP_STALL_MS` (fractions allowed, at least 0.1) to hunt smaller stalls.
    public static let stallThreshold: UInt64 = {
        guard let text = ProcessInfo.processInfo.environment["CAR_LOOP_STALL_MS"], let millis = Double(text), millis.isFinite else {
            return 50_000_000
        }
        return UInt64(min(max(millis, 0.1), 60_000) * 1_000_000)
    }()

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
    /// The watchdog's view of the current turn: its slowest unit of work and what that was.
    private var slowestUnit: UInt64 = 0
    private var slowestLabel = ""
    private var unitLabel: String?
    private let stallLog: (@Sendable (String) -> Void)?
    /// One read buffer for every socket of the loop: reads happen one at a time on its thread,
    /// and each read's bytes are consumed before the next.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    /// `stallLog` receives the watchdog's warnings (a turn over `stallThreshold`).
    public init(name: String = "car-event-loop", stallLog: (@Sendable (String) -> Void)? = nil) {
        self.stallLog = stallLog
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
        readBuffer.deallocate()
    }

    /// True when called from the loop thread; loop-confined state may then be touched directly.
    public var inLoop: Bool { loopThreadID.load(ordering: .acquiring) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

    /// Runs `work` on the loop thread and waits for it, passing on what it throws: how a
    /// server registers its listeners before `start` returns. Never from the loop thread.
    func performAndWait(_ work: @escaping () throws -> Void) throws {
        precondition(!inLoop, "performAndWait blocks; call it off the event loop")
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        nonisolated(unsafe) let work = work
        execute {
            do { try work() } catch { failure = error }
            done.signal()
        }
        done.wait()
        if let failure { throw failure }
    }

    /// Runs `work` on the loop thread, soon. Safe from any thread.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        submit(.closure(work))
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// Enqueues a job on behalf of a task labelled `label` (see `LabeledExecutor`).
    func enqueue(_ job: consuming ExecutorJob, label: LabeledExecutor) {
        submit(.labeledJob(UnownedJob(job), label))
    }

    /// Names the work running right now on the loop thread, for the watchdog (an inline
    /// request's method, say). Loop thread only.
    func noteActivity(_ label: String) {
        unitLabel = label
    }

    /// Stops the loop after the current iteration and waits for its thread to end. A task job
    /// submitted afterwards runs on a global queue so no task is stranded; closures (which
    /// touch loop-confined state: connections, timers) are dropped, since no thread may touch
    /// that state once the loop is gone.
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
        case .closure: return
        case .job(let job):
            nonisolated(unsafe) let job = job
            DispatchQueue.global().async { job.runSynchronously(on: executor.asUnownedTaskExecutor()) }
        case .labeledJob(let job, let labeled):
            nonisolated(unsafe) let job = job
            DispatchQueue.global().async { job.runSynchronously(on: labeled.asUnownedTaskExecutor()) }
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
            let turnStart = MonotonicClock.nanoseconds()
            slowestUnit = 0
            if count > 0 {
                for index in 0..<Int(count) {
                    let fd = events[index].data.fd
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = read(wakeFD, &value, 8)
                    } else if Int(fd) < handlers.count, let handler = handlers[Int(fd)] {
                        let start = MonotonicClock.nanoseconds()
                        handler.handleEvents(events[index].events)
                        measured(since: start, default: "socket I/O")
                    }
                }
            }
            let timerStart = MonotonicClock.nanoseconds()
            for work in timers.takeDue(now: timerStart) { work() }
            measured(since: timerStart, default: "timers")
            runQueuedWork()
            runEndOfIteration()
            let turn = MonotonicClock.nanoseconds() - turnStart
            if turn > Self.stallThreshold, let stallLog {
                stallLog("event loop stalled for \(Self.millis(turn)) ms in one turn; the longest part was \(slowestLabel) (\(Self.millis(slowestUnit)) ms)")
            }
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
                let start = MonotonicClock.nanoseconds()
                switch work {
                case .job(let job):
                    job.runSynchronously(on: executor)
                    measured(since: start, default: "a task")
                case .labeledJob(let job, let labeled):
                    // Run as its own preferred executor, so the task does not hop again.
                    job.runSynchronously(on: labeled.asUnownedTaskExecutor())
                    measured(since: start, default: labeled.label)
                case .closure(let closure):
                    closure()
                    measured(since: start, default: "loop work")
                }
            }
            workBatch.removeAll(keepingCapacity: true)
        }
    }

    private func runEndOfIteration() {
        let start = MonotonicClock.nanoseconds()
        while !endOfIteration.isEmpty {
            swap(&endBatch, &endOfIteration)
            for work in endBatch { work() }
            endBatch.removeAll(keepingCapacity: true)
        }
        measured(since: start, default: "writing replies")
    }

    /// Whole milliseconds past 10, one decimal below: "78", "1.4".
    private static func millis(_ nanoseconds: UInt64) -> String {
        nanoseconds >= 10_000_000 ? "\(nanoseconds / 1_000_000)" : "\(Double(nanoseconds / 100_000) / 10)"
    }

    /// Records one unit of the turn for the watchdog; a label noted during it wins.
    private func measured(since start: UInt64, default label: String) {
        let elapsed = MonotonicClock.nanoseconds() &- start
        if elapsed > slowestUnit {
            slowestUnit = elapsed
            slowestLabel = unitLabel ?? label
        }
        unitLabel = nil
    }
}
