import CarFiles
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A memory graph kept on disk as an append-only log (`<name>.jsonl`, see `MemoryLogRecord`
/// for the lines): each write appends the line(s) of its change and fsyncs, so a write costs
/// the same whatever the graph's size; opening replays the lines; compaction rewrites the
/// file as the live graph once the log has grown well past it.
///
/// Every method here blocks (file I/O, fsync) and runs on the blocking pool. The caller
/// (`MemoryScopes` in the daemon) runs `flush`, `adopt` and the opening one at a time per
/// log, in the order they were asked for; `writeCompaction` is the one step that runs beside
/// them, and it touches only its own temporary file.
///
/// Old snapshots: when only `<name>.json` (the format before the log) exists, opening loads
/// it, writes the log from it (atomically: temporary, fsync, rename, fsync of the directory)
/// and then removes the `.json`. When both exist, the log is the later one (a migration
/// stopped between its rename and the removal) and the `.json` is removed.
public final class MemoryLog: @unchecked Sendable {
    public let path: String
    public let engine: MemoryEngine
    let recorder: MemoryRecorder
    /// Bytes cut from a torn tail when the log was opened.
    public let repairedBytes: Int64

    // Touched only by the one-at-a-time jobs (see above), hence `@unchecked Sendable`.
    private var descriptor: Int32 = -1
    private var size: Int64 = 0
    /// Entries the file holds (see `MemoryLogRecord.entries`); read by `wantsCompaction`.
    private let entries = Atomic<Int>(0)
    /// After a failed compaction the next waits until this many entries, so a full disk does
    /// not make every write start another O(graph) rewrite.
    private let retryAfter = Atomic<Int>(0)

    /// A log is not compacted below this many entries, however much of it is dead.
    public static let compactionFloor = 4096
    /// Compaction starts when the file holds more than this many times the live entries.
    public static let compactionRatio = 2
    public static let suffix = ".jsonl"
    /// The snapshot a log replaces: same name, `.json`.
    public static func legacySnapshotPath(of path: String) -> String {
        path.hasSuffix(suffix) ? String(path.dropLast(suffix.utf8.count)) + ".json" : path + ".json"
    }

    private init(path: String, engine: MemoryEngine, recorder: MemoryRecorder, repairedBytes: Int64) {
        self.path = path
        self.engine = engine
        self.recorder = recorder
        self.repairedBytes = repairedBytes
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Opens the log at `path` (`<name>.jsonl`), replaying it, repairing a torn tail, or
    /// migrating the `.json` snapshot beside it; a graph with neither starts empty, and its
    /// file is created by its first write. A log over `MemoryEngine.maxSnapshotBytes` or with
    /// a damaged line before its last is refused, naming the line.
    public static func open(path: String, limits: MemoryEngine.Limits = .init()) throws(MemoryEngine.PersistenceError) -> MemoryLog {
        let recorder = MemoryRecorder()
        let engine = MemoryEngine(limits: limits, recorder: recorder)
        let legacy = legacySnapshotPath(of: path)
        let fd = Glibc.open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        if fd < 0 {
            guard errno == ENOENT else { throw MemoryLogReplay.failure(path, "open: \(MemoryLogReplay.lastError())") }
            let log = MemoryLog(path: path, engine: engine, recorder: recorder, repairedBytes: 0)
            if FileSystem.exists(legacy) { try log.migrate(from: legacy) }
            return log
        }
        let outcome: MemoryLogReplay.Outcome
        do {
            outcome = try MemoryLogReplay.replay(fd, path: path, into: engine)
        } catch {
            close(fd)
            throw error
        }
        let log = MemoryLog(path: path, engine: engine, recorder: recorder, repairedBytes: outcome.cut)
        log.descriptor = fd
        log.size = outcome.length
        log.entries.store(outcome.entries, ordering: .relaxed)
        if FileSystem.exists(legacy) {
            FileSystem.remove(legacy)
            FileSystem.syncDirectory(of: legacy)
        }
        return log
    }

    private func migrate(from legacy: String) throws(MemoryEngine.PersistenceError) {
        _ = try engine.load(from: legacy, recording: false)
        guard recorder.beginCompaction() else { return }
        let compaction: Compaction
        do {
            compaction = try writeCompaction()
        } catch {
            recorder.endCompaction()
            throw error
        }
        try adopt(compaction)
        FileSystem.remove(legacy)
        FileSystem.syncDirectory(of: legacy)
    }

    // MARK: Writes

    /// The last change recorded so far: a write reads it after changing the graph and is
    /// durable once `isDurable` says so for that number.
    public var recordedSeq: UInt64 { recorder.lastSeq }
    public func isDurable(_ seq: UInt64) -> Bool { recorder.isDurable(seq) }

    /// Appends every change recorded and not yet written, in one write, and fsyncs. On a
    /// failure the file is cut back to its last whole line and the changes stay queued, so the
    /// next flush writes them (in order) and nothing is skipped.
    public func flush() throws(MemoryEngine.PersistenceError) {
        let batch = recorder.drain()
        guard !batch.isEmpty else { return }
        let lines = batch.map(\.record.line)
        do throws(MemoryEngine.PersistenceError) {
            try openForAppend()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(lines.reduce(0) { $0 + $1.count })
            for line in lines { bytes.append(contentsOf: line) }
            if let code = FileSystem.writeAll(descriptor, bytes) ?? (fsync(descriptor) == 0 ? nil : errno) {
                _ = ftruncate(descriptor, off_t(size))
                throw MemoryLogReplay.failure(path, "cannot append: \(String(cString: strerror(code)))")
            }
            size += Int64(bytes.count)
            entries.add(batch.reduce(0) { $0 + $1.record.entries }, ordering: .relaxed)
        } catch {
            recorder.putBack(batch)
            throw error
        }
        recorder.wrote(batch, lines: lines)
    }

    /// The file is created at the first write (with its directory), and that creation is
    /// made durable too: an fsynced line in a file whose name was lost would be lost with it.
    private func openForAppend() throws(MemoryEngine.PersistenceError) {
        guard descriptor < 0 else { return }
        try? FileSystem.makeDirectories(FileSystem.parent(of: path))
        let fd = Glibc.open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MemoryLogReplay.failure(path, "cannot create: \(MemoryLogReplay.lastError())") }
        descriptor = fd
        size = 0
        FileSystem.syncDirectory(of: path)
    }

    // MARK: Compaction

    /// Whether the file has grown past `compactionRatio` times the live graph (and the floor)
    /// and no compaction runs. Cheap: two counts.
    public var wantsCompaction: Bool {
        let held = entries.load(ordering: .relaxed)
        return held > Self.compactionFloor && held > retryAfter.load(ordering: .relaxed)
            && held > Self.compactionRatio * engine.liveEntries && !recorder.isCompacting
    }

    /// Claims the compaction; false when one is already under way.
    public func beginCompaction() -> Bool { recorder.beginCompaction() }

    /// A rewritten log waiting to replace the live one.
    public struct Compaction: Sendable {
        let temporary: FileSystem.Temporary
        let size: Int64
        let entries: Int
    }

    /// Writes the graph as it is now to a temporary beside the log — one `reset` line with the
    /// counter and no facts, a `put` per fact, one `skills` line, and a `skill_gate` line holding
    /// the rejected buffer when it is not empty — and fsyncs it. Runs beside
    /// the log's writes: they keep appending to the live file, and the changes they write
    /// after the snapshot are kept for `adopt`. After `beginCompaction`.
    public func writeCompaction() throws(MemoryEngine.PersistenceError) -> Compaction {
        guard let snapshot = engine.logSnapshot() else { throw MemoryLogReplay.failure(path, "the graph is not logged") }
        let temporary: FileSystem.Temporary
        do {
            try? FileSystem.makeDirectories(FileSystem.parent(of: path))
            temporary = try FileSystem.createTemporary(for: path, mode: 0o600)
        } catch {
            throw MemoryLogReplay.failure(path, "cannot compact: \(error)")
        }
        var written: Int64 = 0
        var chunk: [UInt8] = []
        func emit(_ record: MemoryLogRecord, last: Bool) -> Int32? {
            chunk.append(contentsOf: record.line)
            guard last || chunk.count >= 1 << 20 else { return nil }
            defer {
                written += Int64(chunk.count)
                chunk.removeAll(keepingCapacity: true)
            }
            return FileSystem.writeAll(temporary.descriptor, chunk)
        }
        var failed = emit(.reset(nextID: snapshot.nextID, facts: [], skills: []), last: false)
        let utilityLines = snapshot.utility == UtilityRetrieval() ? 0 : 1
        if failed == nil, utilityLines == 1 { failed = emit(.utility(snapshot.utility), last: false) }
        for fact in snapshot.facts where failed == nil {
            failed = emit(.put(fact, nextID: nil), last: false)
        }
        let counter = snapshot.nextSkillNode > (snapshot.skills.map(\.nodeID).max() ?? 0) + 1 ? snapshot.nextSkillNode : nil
        if failed == nil { failed = emit(.skills(snapshot.skills, replace: false, nextNodeID: counter), last: snapshot.rejected.isEmpty) }
        if failed == nil, !snapshot.rejected.isEmpty {
            failed = emit(.skillGate(put: [], removed: [], rejected: snapshot.rejected), last: true)
        }
        if let code = failed ?? (fsync(temporary.descriptor) == 0 ? nil : errno) {
            FileSystem.discard(temporary)
            throw MemoryLogReplay.failure(path, "cannot compact: \(String(cString: strerror(code)))")
        }
        return Compaction(temporary: temporary, size: written,
                          entries: 1 + utilityLines + snapshot.facts.count + snapshot.skills.count + snapshot.rejected.count)
    }

    /// Puts the rewrite in place of the log: appends what was written to the old file since
    /// the snapshot and what is still queued, then fsync, rename, fsync of the directory, and
    /// carries on appending to the new file. Runs in turn with the flushes, so no write lands
    /// in the old file after this took what it holds. On failure the old log stays, whole.
    public func adopt(_ compaction: Compaction) throws(MemoryEngine.PersistenceError) {
        defer { recorder.endCompaction() }
        let (retained, retainedEntries, pending) = recorder.takeForAdoption()
        let lines = pending.map(\.record.line)
        var tail = retained
        for line in lines { tail.append(contentsOf: line) }
        if let code = FileSystem.writeAll(compaction.temporary.descriptor, tail) {
            FileSystem.discard(compaction.temporary)
            recorder.putBack(pending)
            postpone()
            throw MemoryLogReplay.failure(path, "cannot compact: \(String(cString: strerror(code)))")
        }
        do {
            try FileSystem.publish(compaction.temporary, as: path, keepingOpen: true)
        } catch {
            recorder.putBack(pending)
            postpone()
            throw MemoryLogReplay.failure(path, "cannot compact: \(error)")
        }
        if descriptor >= 0 { close(descriptor) }
        descriptor = compaction.temporary.descriptor
        size = compaction.size + Int64(tail.count)
        entries.store(compaction.entries + retainedEntries + pending.reduce(0) { $0 + $1.record.entries }, ordering: .relaxed)
        recorder.wrote(pending, lines: lines)
    }

    /// A compaction that will not be adopted (its rewrite failed, or its turn was cancelled).
    public func abandon(_ compaction: Compaction?) {
        if let compaction { FileSystem.discard(compaction.temporary) }
        recorder.endCompaction()
        postpone()
    }

    private func postpone() {
        retryAfter.store(entries.load(ordering: .relaxed) + Self.compactionFloor, ordering: .relaxed)
    }

    /// For tests and status: bytes and entries the file holds.
    public var fileSize: Int64 { size }
    public var fileEntries: Int { entries.load(ordering: .relaxed) }
    public var isCompacting: Bool { recorder.isCompacting }
}
