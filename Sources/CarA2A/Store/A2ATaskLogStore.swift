import CarFiles
import CarIO
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tasks kept on disk (`--a2a-store PATH`) as an append-only JSONL log: each save appends one
/// line, the task's new version in 1.0 shapes (`{"task": …}`), and fsyncs before it returns, so
/// a task a client was told about survives a crash. Opening replays the lines (the last
/// version of each task wins) and repairs a torn tail (`repairedBytes`). Once superseded lines
/// dominate (more than `compactionRatio` times the tasks held, and over `compactionFloor`)
/// the log is rewritten with one line per task: temporary, fsync, rename, fsync of the
/// directory (`FileSystem.createTemporary` / `publish`), so a crash leaves the old log or the
/// new one.
///
/// Bounded like the in-memory store (`A2ATaskIndex`: `capacity` tasks, finished ones evicted
/// oldest first, live ones never), and by `Limits` on what it will read back.
///
/// Threads: file work runs on the blocking pool and is awaited, never on the caller's thread.
/// Saves go one at a time (`A2ASerialLane`), in the order they were made, and a compaction
/// takes a save's turn; reads are served from memory and never wait for a write.
public final class A2ATaskLogStore: A2ATaskStore {
    public struct Limits: Sendable, Equatable {
        /// Tasks held, and the bytes of their current lines together (see `A2ATaskIndex`):
        /// a compacted log is that big, so with this well under `maxFileBytes` a compaction
        /// always makes room.
        public var capacity = InMemoryA2ATaskStore.defaultCapacity
        public var maxTaskBytes = InMemoryA2ATaskStore.defaultMaxBytes
        /// A log bigger than this is refused at open rather than read.
        public var maxFileBytes: Int64 = 1 << 30
        /// One line (one task version) at most; a task is bounded by the dispatcher's limits
        /// (history, message and result bytes) well under this.
        public var maxLineBytes = 64 << 20
        public var compactionFloor = 1_024
        public var compactionRatio = 2

        public init() {}
    }

    public let path: String
    public let limits: Limits
    /// Bytes cut from a torn tail when the log was opened.
    public let repairedBytes: Int64
    private let pool: BlockingPool
    private let index: Mutex<A2ATaskIndex>
    private let file: Mutex<File>
    private let lane = A2ASerialLane()

    /// The open log. Touched only inside the lane's jobs (on the pool); the Mutex makes that
    /// sharing checkable rather than assumed.
    private struct File {
        var descriptor: Int32 = -1
        var size: Int64 = 0
        var lines = 0
        /// After a failed compaction the next waits for this many lines, so a full disk does
        /// not turn every save into a rewrite.
        var retryAfter = 0
    }

    private init(path: String, limits: Limits, pool: BlockingPool, index: sending A2ATaskIndex, file: File, repaired: Int64) {
        self.path = path
        self.limits = limits
        self.pool = pool
        self.index = Mutex(index)
        self.file = Mutex(file)
        repairedBytes = repaired
    }

    deinit {
        let descriptor = file.withLock { $0.descriptor }
        if descriptor >= 0 { close(descriptor) }
    }

    /// Opens (replaying and repairing) the log at `path`; a missing file is an empty store,
    /// created with its directory at the first save. A log with a damaged line before its
    /// last, or over `maxFileBytes`, is refused with an error naming it.
    public static func open(path: String, limits: Limits = Limits(), pool: BlockingPool = .shared) async throws -> A2ATaskLogStore {
        try await pool.run {
            FileSystem.removeStaleTemporaries(in: FileSystem.parent(of: path))
            var index = A2ATaskIndex(capacity: limits.capacity, maxBytes: limits.maxTaskBytes)
            let fd = Glibc.open(path, O_RDWR | O_APPEND | O_CLOEXEC)
            guard fd >= 0 else {
                guard errno == ENOENT else { throw A2ATaskLogReplay.failure(path, "open: \(A2ATaskLogReplay.lastError())") }
                return A2ATaskLogStore(path: path, limits: limits, pool: pool, index: index, file: File(), repaired: 0)
            }
            let outcome: LineLogReplay.Outcome
            do {
                outcome = try A2ATaskLogReplay.replay(fd, path: path, limits: limits, into: &index)
            } catch {
                close(fd)
                throw error
            }
            var file = File(descriptor: fd, size: outcome.length, lines: outcome.lines)
            do {
                try failInterrupted(&index, file: &file, path: path)
            } catch {
                close(fd)
                throw error
            }
            let store = A2ATaskLogStore(path: path, limits: limits, pool: pool, index: index, file: file, repaired: outcome.cut)
            // The sweep's lines (or a log written under larger limits) must not leave a file
            // the next open would refuse.
            if store.fileSize > limits.maxFileBytes / 2 { try store.compact() }
            return store
        }
    }

    /// Tasks the log holds as submitted or working were being worked on by a process that
    /// did not stop cleanly (a clean stop records them canceled); nothing works on them now,
    /// and a live task is never evicted, so left as they are they would hold the store's
    /// room for good. They are recorded as failed, saying why, before the store opens.
    private static func failInterrupted(_ index: inout A2ATaskIndex, file: inout File, path: String) throws(A2AStoreError) {
        let stranded = index.tasks.values.filter { $0.status.state == .submitted || $0.status.state == .working }
        guard !stranded.isEmpty else { return }
        var bytes: [UInt8] = []
        var failed: [A2ATask] = []
        for var task in stranded.sorted(by: { $0.updatedAt < $1.updatedAt }) {
            let note = A2AMessage.agentText("interrupted: the daemon stopped before this task finished", taskID: task.id, contextID: task.contextID)
            task.status = A2ATaskStatus(state: .failed, message: note, timestamp: A2AIdentifier.now())
            bytes += A2ATaskLogReplay.line(for: task)
            failed.append(task)
        }
        if let code = FileSystem.writeAll(file.descriptor, bytes) ?? (fsync(file.descriptor) == 0 ? nil : errno) {
            _ = ftruncate(file.descriptor, off_t(file.size))
            throw A2ATaskLogReplay.failure(path, "cannot record interrupted tasks: \(String(cString: strerror(code)))")
        }
        file.size += Int64(bytes.count)
        file.lines += failed.count
        for task in failed { _ = try index.put(task, size: A2ATaskLogReplay.line(for: task).count, force: true) }
    }

    // MARK: A2ATaskStore

    public func task(id: String) async throws -> A2ATask? {
        index.withLock { $0.tasks[id] }
    }

    public func list(_ query: A2ATaskQuery) async throws -> A2ATaskPage {
        try index.withLock { index throws(A2AError) in try index.page(query) }
    }

    /// Durable when it returns: the line is written and fsynced. A task the bounds refuse is
    /// not written at all; nor is a line that would take the log past `maxFileBytes` (which
    /// it could not be opened with again) when a compaction cannot make room.
    public func save(_ task: A2ATask) async throws {
        try await lane.run { () async throws in
            // Encoding a large task is work that grows with it: off the caller's thread.
            let line = try await pool.run { A2ATaskLogReplay.line(for: task) }
            if let refusal = index.withLock({ $0.refusal(task, size: line.count) }) { throw refusal }
            if fileSize + Int64(line.count) > limits.maxFileBytes {
                try? await pool.run { [self] in try compact() }
                guard fileSize + Int64(line.count) <= limits.maxFileBytes else {
                    throw A2AStoreError("the task log \(path) would grow past \(limits.maxFileBytes) bytes; the task is not saved")
                }
            }
            let before = fileSize
            try await pool.run { [self] in try append(line) }
            do {
                try index.withLock { index throws(A2AStoreError) in _ = try index.put(task, size: line.count) }
            } catch {
                // Not taken after all: the line goes too, so a reopen does not bring it back.
                try? await pool.run { [self] in truncate(to: before) }
                throw error
            }
            if wantsCompaction {
                // A failed rewrite leaves the old log, whole; the save itself is already durable.
                try? await pool.run { [self] in try compact() }
            }
        }
    }

    // MARK: File work (on the pool, inside the lane)

    private func append(_ line: [UInt8]) throws(A2AStoreError) {
        try file.withLock { file throws(A2AStoreError) in
            if file.descriptor < 0 {
                try? FileSystem.makeDirectories(FileSystem.parent(of: path))
                let fd = Glibc.open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw A2ATaskLogReplay.failure(path, "cannot create: \(A2ATaskLogReplay.lastError())") }
                file.descriptor = fd
                file.size = 0
                // The file's name must be as durable as the lines fsynced into it.
                FileSystem.syncDirectory(of: path)
            }
            if let code = FileSystem.writeAll(file.descriptor, line) ?? (fsync(file.descriptor) == 0 ? nil : errno) {
                // Cut back to the last whole line so the next append does not follow a torn one.
                _ = ftruncate(file.descriptor, off_t(file.size))
                throw A2ATaskLogReplay.failure(path, "cannot append: \(String(cString: strerror(code)))")
            }
            file.size += Int64(line.count)
            file.lines += 1
        }
    }

    private func truncate(to size: Int64) {
        file.withLock { file in
            guard file.descriptor >= 0, ftruncate(file.descriptor, off_t(size)) == 0, fsync(file.descriptor) == 0 else { return }
            file.size = size
            file.lines -= 1
        }
    }

    private var wantsCompaction: Bool {
        let held = index.withLock { $0.count }
        return file.withLock { file in
            file.lines > limits.compactionFloor && file.lines > file.retryAfter && file.lines > limits.compactionRatio * held
        }
    }

    /// Rewrites the log as one line per task held, oldest first, and swaps it in.
    private func compact() throws(A2AStoreError) {
        let tasks = index.withLock { $0.tasks.values.sorted { $0.updatedAt < $1.updatedAt } }
        try file.withLock { file throws(A2AStoreError) in
            let temporary: FileSystem.Temporary
            do {
                temporary = try FileSystem.createTemporary(for: path, mode: 0o600)
            } catch {
                file.retryAfter = file.lines + limits.compactionFloor
                throw A2ATaskLogReplay.failure(path, "cannot compact: \(error)")
            }
            var written: Int64 = 0
            var chunk: [UInt8] = []
            var failed: Int32?
            for (offset, task) in tasks.enumerated() where failed == nil {
                chunk.append(contentsOf: A2ATaskLogReplay.line(for: task))
                if chunk.count >= 1 << 20 || offset == tasks.count - 1 {
                    failed = FileSystem.writeAll(temporary.descriptor, chunk)
                    written += Int64(chunk.count)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if let failed {
                FileSystem.discard(temporary)
                file.retryAfter = file.lines + limits.compactionFloor
                throw A2ATaskLogReplay.failure(path, "cannot compact: \(String(cString: strerror(failed)))")
            }
            do {
                try FileSystem.publish(temporary, as: path, keepingOpen: true)
            } catch {
                file.retryAfter = file.lines + limits.compactionFloor
                throw A2ATaskLogReplay.failure(path, "cannot compact: \(error)")
            }
            if file.descriptor >= 0 { close(file.descriptor) }
            file.descriptor = temporary.descriptor
            file.size = written
            file.lines = tasks.count
        }
    }

    // MARK: For tests and status

    public var count: Int { index.withLock { $0.count } }
    public var fileSize: Int64 { file.withLock { $0.size } }
    public var fileLines: Int { file.withLock { $0.lines } }
}
