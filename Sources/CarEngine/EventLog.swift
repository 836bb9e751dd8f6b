import CarCollections
import CarIO
import CarJSON
import Foundation
import Synchronization

/// One connection's event log: a bounded in-memory ring for `events.count` / `events.query`,
/// and optionally a JSONL journal (`<journal-dir>/<client_id>.jsonl`, as the seed lays it out)
/// that every event is appended to as it happens.
///
/// The journal file is created at the first event, so a connection that never journals
/// leaves no file; one that holds no event when the log closes is removed. A retention policy
/// (`events.retention`) trims the ring, and the journal follows it by an atomic rewrite once it
/// holds enough lines the ring no longer does (`CompactionRule`). The ring's own capacity
/// counts as such a trim, so a live journal stays within a third of the ring's size of it.
public final class EventLog: Sendable {
    public static let defaultCapacity = 100_000
    /// Lines appended while a rewrite is being made are kept to be replayed into it; past this
    /// many bytes the rewrite is abandoned (the journal stays as it was, still whole).
    static let maxPendingBytes = 16 << 20

    private struct Storage {
        var ring: BoundedRing<RuntimeEvent>
        var lastSeq: UInt64
        var lastMicros: Int64 = .min
        var journal: EventJournal?
        /// The lazy open was attempted (it happens once, at the first event).
        var opened = false
        /// Closed: later events stay in memory, and no file is created any more.
        var closed = false
        /// Lines the journal file holds that this log wrote (a reopened file's older lines are
        /// not counted; a rewrite drops them).
        var fileLines = 0
        var policy = RetentionPolicy()
        /// A rewrite was scheduled and has not finished.
        var compacting = false
        /// Set while a rewrite is being written: the lines appended since its snapshot, up to
        /// `maxPendingBytes`; past that `pendingOverflowed` and the rewrite is abandoned.
        var pending: [UInt8]?
        var pendingLines = 0
        var pendingOverflowed = false
        /// After a failed rewrite, the next is not tried before the file holds this many lines.
        var retryAtLines = 0
        /// Why the journal is incomplete: a failed open, or a write failure of a journal since closed.
        var failure: String?

        /// Applies the policy to the ring; answers how many events it dropped.
        mutating func trim() -> Int {
            var removed = 0
            if let cutoff = policy.cutoff(nowMicros: lastMicros) {
                while let oldest = ring.oldest, oldest.micros < cutoff {
                    ring.removeOldest(1)
                    removed += 1
                }
            }
            if let maxEvents = policy.maxEvents, ring.count > maxEvents {
                removed += ring.count - maxEvents
                ring.removeOldest(ring.count - maxEvents)
            }
            return removed
        }

        var compactionDue: Bool {
            journal != nil && !compacting && fileLines >= retryAtLines
                && CompactionRule.isDue(fileLines: fileLines, retained: ring.count)
        }
    }

    /// Where the journal lives, or nil for a memory-only log.
    public let journalPath: String?
    /// How many events the in-memory ring keeps.
    public let capacity: Int
    private let folder: JournalFolder?
    private let storage: Mutex<Storage>

    /// A log journaled to `journalPath` (nil keeps events in memory only). The file is made at
    /// the first event; one that already exists is opened now, its torn last line cut back, and
    /// its `seq` numbering continued (its old events are not loaded: the in-memory log
    /// describes this connection). `folder`, when given, learns which journals are live, and
    /// enforces its cap when this one closes.
    public init(journalPath: String?, capacity: Int = EventLog.defaultCapacity, folder: JournalFolder? = nil) throws(EventLogError) {
        var journal: EventJournal?
        if let journalPath {
            if access(journalPath, F_OK) == 0 {
                folder?.willOpen(journalPath)
                do {
                    journal = try EventJournal(path: journalPath)
                } catch {
                    folder?.didFailToOpen(journalPath)
                    throw error
                }
            } else {
                try Self.makeDirectory(of: journalPath)
            }
        }
        self.journalPath = journalPath
        self.capacity = max(1, capacity)
        self.folder = folder
        var initial = Storage(ring: BoundedRing(capacity: capacity), lastSeq: journal?.lastSeq ?? 0)
        initial.journal = journal
        initial.opened = journal != nil
        storage = Mutex(initial)
    }

    public convenience init(journalURL: URL?, capacity: Int = EventLog.defaultCapacity) throws(EventLogError) {
        try self.init(journalPath: journalURL?.path, capacity: capacity)
    }

    /// `<directory>/<client_id>.jsonl`. The client id is reduced to `[A-Za-z0-9._-]` (anything
    /// else becomes `_`, and a leading dot too) so it can never name a file outside `directory`.
    public static func journalPath(directory: String, clientID: String) -> String {
        var name = String(String.UnicodeScalarView(clientID.unicodeScalars.map { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? scalar : "_"
        }))
        if name.isEmpty || name.hasPrefix(".") { name = "_" + name }
        return (directory as NSString).appendingPathComponent(name + ".jsonl")
    }

    /// Records an event: stamped, numbered, kept in the ring and written to the journal before
    /// this returns, so the journal order is the `seq` order.
    @discardableResult
    public func append(_ kind: EventKind, proposalID: String? = nil, actionID: String? = nil, data: [String: JSONValue] = [:]) -> RuntimeEvent {
        let now = RFC3339.nowMicros()
        let (event, compact) = storage.withLock { storage in
            // The wall clock may step back; the log's timestamps do not, so time bounds agree with seq.
            storage.lastMicros = max(storage.lastMicros, now)
            storage.lastSeq += 1
            let event = RuntimeEvent(seq: storage.lastSeq, kind: kind, micros: storage.lastMicros,
                                     proposalID: proposalID, actionID: actionID, data: data)
            storage.ring.append(event)
            _ = storage.trim()
            // An event the policy drops on arrival (max_events 0) is not journaled either, so
            // such a session makes no file at all.
            if !storage.ring.isEmpty { openJournalIfFirst(&storage) }
            if let journal = storage.journal, !storage.ring.isEmpty {
                var line = JSONWriter.bytes(event.json)
                line.append(0x0A)
                journal.append(line)
                storage.fileLines += 1
                if storage.pending != nil, !storage.pendingOverflowed {
                    if storage.pending!.count + line.count > Self.maxPendingBytes {
                        storage.pendingOverflowed = true
                        storage.pending = []
                    } else {
                        storage.pending!.append(contentsOf: line)
                        storage.pendingLines += 1
                    }
                }
            }
            let compact = storage.compactionDue
            if compact { storage.compacting = true }
            return (event, compact)
        }
        if compact {
            // Off this thread: the rewrite's writes and fsync go to the blocking pool.
            Task { await self.compact() }
        }
        return event
    }

    /// The lazy open, under the lock: registered with the folder before the file exists, so
    /// its cap never sees a live journal as a closed one. The file did not exist when the log
    /// was made (else it was opened then, and its numbering continued), and client ids are
    /// unique, so it starts empty.
    private func openJournalIfFirst(_ storage: inout Storage) {
        guard let journalPath, !storage.opened, !storage.closed else { return }
        storage.opened = true
        folder?.willOpen(journalPath)
        do {
            storage.journal = try EventJournal(path: journalPath)
        } catch {
            folder?.didFailToOpen(journalPath)
            storage.failure = error.description
        }
    }

    /// Events held in memory (at most `capacity`).
    public var count: Int { storage.withLock { $0.ring.count } }

    /// The `seq` of the newest event (0 before the first).
    public var lastSeq: UInt64 { storage.withLock { $0.lastSeq } }

    /// The last journal write failure, if the journal is incomplete.
    public var journalFailure: String? { storage.withLock { $0.journal?.failure ?? $0.failure } }

    /// The retention policy in force (none bounds nothing but the ring's capacity).
    public var retention: RetentionPolicy { storage.withLock { $0.policy } }

    /// Installs `policy` (replacing the previous one) and applies it at once; later appends
    /// keep applying it. Answers how many events it dropped. The journal follows through
    /// `compact()`, which the caller awaits, or a later append schedules.
    @discardableResult
    public func setRetention(_ policy: RetentionPolicy) -> Int {
        storage.withLock { storage in
            storage.policy = policy
            storage.lastMicros = max(storage.lastMicros, RFC3339.nowMicros())
            return storage.trim()
        }
    }

    /// Rewrites the journal to exactly the events the ring holds, when `CompactionRule` says
    /// it is worth it (or always, with `force`): a temporary file is written and flushed on the
    /// blocking pool, events appended meanwhile are replayed into it, and it is renamed over the
    /// journal. Answers whether the journal was rewritten; a failure leaves the old file, whole,
    /// and is reported by `journalFailure` until a later rewrite succeeds.
    @discardableResult
    public func compactJournal(force: Bool = false) async -> Bool {
        let start = storage.withLock { storage -> Bool in
            guard storage.journal != nil, !storage.compacting else { return false }
            guard force || storage.compactionDue else { return false }
            storage.compacting = true
            return true
        }
        guard start else { return false }
        return await compact()
    }

    /// The rewrite itself; `compacting` is already set by the caller and cleared here.
    private func compact() async -> Bool {
        let done: Bool
        do {
            done = try await BlockingPool.shared.run { [self] in try rewriteJournal() }
        } catch {
            done = false
        }
        storage.withLock { storage in
            storage.compacting = false
            storage.pending = nil
            storage.pendingLines = 0
            storage.pendingOverflowed = false
            if !done { storage.retryAtLines = storage.fileLines + CompactionRule.minimumSurplus }
        }
        return done
    }

    /// Blocking: runs on the pool. Snapshot and swap hold the lock; serialising and writing
    /// the snapshot do not.
    private func rewriteJournal() throws -> Bool {
        let snapshot = storage.withLock { storage -> (EventJournal, [RuntimeEvent])? in
            guard let journal = storage.journal else { return nil }
            storage.pending = []
            storage.pendingLines = 0
            storage.pendingOverflowed = false
            return (journal, storage.ring.elements)
        }
        guard let (journal, events) = snapshot else { return false }
        let rewrite: EventJournal.Rewrite
        do {
            rewrite = try EventJournal.writeRewrite(of: journal.path, events)
        } catch {
            storage.withLock { $0.failure = error.description }
            throw error
        }
        let adopted = storage.withLock { storage -> Bool in
            // Closed meanwhile (the journal is being finished elsewhere) or too much arrived.
            guard storage.journal === journal, let pending = storage.pending, !storage.pendingOverflowed else {
                EventJournal.discard(rewrite)
                return false
            }
            do {
                try journal.adopt(rewrite, pending: pending)
            } catch {
                storage.failure = "\(error)"
                return false
            }
            storage.fileLines = events.count + storage.pendingLines
            return true
        }
        if adopted { EventJournal.syncDirectory(of: journal.path) }
        return adopted
    }

    /// Matching events, most recent first.
    public func query(_ query: EventQuery) -> [RuntimeEvent] {
        let matcher = EventQuery.Matcher(query)
        let limit = query.limit.flatMap { $0 > 0 ? $0 : nil } ?? .max
        var found: [RuntimeEvent] = []
        storage.withLock { storage in
            storage.ring.forEachNewestFirst { event in
                if matcher.matches(event) { found.append(event) }
                return found.count < limit
            }
        }
        return found
    }

    /// Closes the journal without waiting: events appended afterwards stay in memory only, and
    /// the flush and close (or the removal of a journal left empty) run on the blocking pool.
    /// For callers on the event loop, such as a disconnect.
    public func close() {
        guard let journal = detachJournal() else { return }
        Task { await Self.finish(journal, folder: folder) }
    }

    /// Closes the journal and waits until it is flushed and closed, or removed when empty.
    public func closeJournal() async {
        guard let journal = detachJournal() else { return }
        await Self.finish(journal, folder: folder)
    }

    /// From here on no append reaches the journal object, so `finish` owns it alone.
    private func detachJournal() -> EventJournal? {
        let journal = storage.withLock { storage in
            storage.closed = true
            let journal = storage.journal
            if let journal { storage.failure = journal.failure ?? storage.failure }
            storage.journal = nil
            return journal
        }
        if journal != nil { folder?.willFinishJournal() }
        return journal
    }

    private static func finish(_ journal: EventJournal, folder: JournalFolder?) async {
        if let folder {
            await folder.finishJournal(journal.path) { journal.finish() }
        } else {
            do {
                _ = try await BlockingPool.shared.run { journal.finish() }
            } catch {
                journal.finish()
            }
        }
    }

    private static func makeDirectory(of path: String) throws(EventLogError) {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty, access(directory, F_OK) != 0 else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw EventLogError("cannot create journal directory '\(directory)': \(error.localizedDescription)")
        }
    }
}
