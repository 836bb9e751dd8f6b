import CarIO
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's journals folder (`$CAR_HOME/journals`): which journals are live in this
/// process, the daemon-wide cap on closed ones (`JournalLimits`, oldest by mtime first) and
/// the startup sweep that repairs what an earlier run left.
///
/// A journal is live from just before its file is created until its log has closed it, and
/// the cap never removes a live one. Across processes (a second daemon on the same root) the
/// open journal's shared `flock` says the same: every removal or repair first takes the file's
/// lock exclusively, without waiting, and skips the file when it cannot.
public final class JournalFolder: Sendable {
    public let directory: String
    public let limits: JournalLimits
    /// How many directory entries one sweep reads at most, so a folder filled by something
    /// else costs a bounded pass; what it did not reach, a later sweep does.
    public let scanLimit: Int

    private let live = Mutex<Set<String>>([])
    private struct Sweeps {
        var running = false
        var again = false
    }
    private let sweeps = Mutex(Sweeps())
    /// Closes and sweeps scheduled and not yet done.
    private let inFlight = Atomic<Int>(0)

    public init(directory: String, limits: JournalLimits = JournalLimits(), scanLimit: Int = 100_000) {
        self.directory = directory
        self.limits = limits
        self.scanLimit = max(1, scanLimit)
    }

    /// `<directory>/<client_id>.jsonl`.
    public func journalPath(clientID: String) -> String {
        EventLog.journalPath(directory: directory, clientID: clientID)
    }

    public func isLive(_ path: String) -> Bool {
        live.withLock { $0.contains(path) }
    }

    public var liveCount: Int { live.withLock { $0.count } }

    func willOpen(_ path: String) {
        live.withLock { _ = $0.insert(path) }
    }

    func didFailToOpen(_ path: String) {
        live.withLock { _ = $0.remove(path) }
    }

    /// A log detached its journal and will call `finishJournal`: counted from here, so
    /// `waitUntilIdle` also waits for a close whose task has not started yet.
    func willFinishJournal() {
        inFlight.add(1, ordering: .relaxed)
    }

    /// Runs `finish` (the journal's fsync and close, or its removal when empty) on the
    /// blocking pool, then lets the path go and enforces the cap: the file is only a candidate
    /// for removal once nothing appends to it. Follows `willFinishJournal`.
    func finishJournal(_ path: String, finish: @escaping @Sendable () -> Void) async {
        do {
            try await BlockingPool.shared.run(finish)
        } catch {
            // The pool refused (saturated): the descriptor must still be released.
            finish()
        }
        live.withLock { _ = $0.remove(path) }
        requestCapEnforcement()
        inFlight.subtract(1, ordering: .relaxed)
    }

    /// Enforces the cap on the pool, off the caller's thread. Requests that arrive while a
    /// sweep runs are folded into one more sweep, so a burst of disconnects costs two passes.
    public func requestCapEnforcement() {
        let start = sweeps.withLock { sweeps -> Bool in
            if sweeps.running {
                sweeps.again = true
                return false
            }
            sweeps.running = true
            return true
        }
        guard start else { return }
        inFlight.add(1, ordering: .relaxed)
        Task {
            while true {
                _ = try? await BlockingPool.shared.run { [self] in enforceCap() }
                let more = sweeps.withLock { sweeps -> Bool in
                    if sweeps.again {
                        sweeps.again = false
                        return true
                    }
                    sweeps.running = false
                    return false
                }
                if !more { break }
            }
            inFlight.subtract(1, ordering: .relaxed)
        }
    }

    /// Waits (polling, up to `timeout`) until no close or sweep is pending; true when none is.
    /// For tests and shutdown, which want the folder settled.
    public func waitUntilIdle(timeout: Duration = .seconds(10)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while inFlight.load(ordering: .relaxed) > 0 {
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    // MARK: The cap

    public struct CapReport: Sendable, Equatable {
        /// Paths removed, oldest first.
        public var removed: [String] = []
        /// What the folder holds afterwards (within the scanned entries).
        public var files = 0
        public var bytes: Int64 = 0
    }

    /// Removes closed journals, oldest by mtime first, until the folder is within `limits`.
    /// Blocking (a directory scan, a stat and an unlink per file): call it on the pool or at
    /// startup.
    @discardableResult
    public func enforceCap() -> CapReport {
        var journals = scan().journals
        var report = CapReport(files: journals.count, bytes: journals.reduce(0) { $0 + $1.size })
        guard report.files > limits.maxFiles || report.bytes > limits.maxBytes else { return report }
        journals.sort { ($0.modified, $0.path) < ($1.modified, $1.path) }
        for journal in journals {
            guard report.files > limits.maxFiles || report.bytes > limits.maxBytes else { break }
            if isLive(journal.path) { continue }
            guard Self.withExclusiveLock(journal.path, { _ in unlink(journal.path) == 0 }) == true else { continue }
            report.removed.append(journal.path)
            report.files -= 1
            report.bytes -= journal.size
        }
        return report
    }

    // MARK: Startup

    public struct StartupReport: Sendable, Equatable {
        /// Journals whose torn tail was cut, with the bytes cut.
        public var repaired: [String: Int64] = [:]
        /// Journals removed because they held no event (after repair).
        public var removedEmpty: [String] = []
        /// Rewrites a killed compaction left behind.
        public var removedLeftovers: [String] = []
        public var cap = CapReport()
    }

    /// Before any session opens a journal: drops the cap's surplus, then repairs the torn tail
    /// of every remaining journal (a last line without newline or not JSON is cut) and removes
    /// those left empty, and the temporaries of compactions that were killed. Bounded by
    /// `scanLimit` entries, and by the cap in the bytes it reads. Blocking.
    public func sweepAtStartup() -> StartupReport {
        var report = StartupReport()
        report.cap = enforceCap()
        let now = Self.nowNanoseconds()
        let found = scan()
        for leftover in found.leftovers where now - leftover.modified > 60 * 1_000_000_000 && !isLive(leftover.path) {
            // Older than a minute: no compaction, here or in a daemon sharing the folder, is still writing it.
            if unlink(leftover.path) == 0 { report.removedLeftovers.append(leftover.path) }
        }
        for journal in found.journals where !isLive(journal.path) {
            let outcome: (cut: Int64, empty: Bool)?? = Self.withExclusiveLock(journal.path) { fd in
                guard let repair = try? JournalTail.repair(fd, path: journal.path) else { return nil }
                if repair.length == 0 { unlink(journal.path) }
                return (repair.cut, repair.length == 0)
            }
            guard let done = outcome, let done else { continue }
            if done.cut > 0 { report.repaired[journal.path] = done.cut }
            if done.empty {
                report.removedEmpty.append(journal.path)
                report.cap.files -= 1
            }
            report.cap.bytes -= done.cut
        }
        return report
    }

    // MARK: Scanning

    struct Entry {
        var path: String
        var size: Int64
        /// mtime, nanoseconds since the epoch.
        var modified: Int64
    }

    /// Regular files named `*.jsonl` (journals) and `*.jsonl.compact` (rewrites in progress or
    /// left by a killed compaction), within the first `scanLimit` entries. Links are ignored.
    func scan() -> (journals: [Entry], leftovers: [Entry]) {
        var journals: [Entry] = []
        var leftovers: [Entry] = []
        guard let stream = opendir(directory) else { return ([], []) }
        defer { closedir(stream) }
        var budget = scanLimit
        while budget > 0, let entry = readdir(stream) {
            budget -= 1
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            let isJournal = name.hasSuffix(".jsonl")
            let isLeftover = name.hasSuffix(".jsonl" + EventJournal.temporarySuffix)
            guard isJournal || isLeftover else { continue }
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let found = Entry(path: path, size: Int64(info.st_size),
                              modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
            if isJournal { journals.append(found) } else { leftovers.append(found) }
        }
        return (journals, leftovers)
    }

    /// Runs `body` with the file open read-write and locked exclusively, or answers nil when
    /// it cannot be opened or someone holds its lock (an open journal).
    static func withExclusiveLock<T>(_ path: String, _ body: (Int32) -> T) -> T? {
        let fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        return body(fd)
    }

    static func nowNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
