import CarCollections
import CarJSON
import Foundation
import Synchronization

/// One connection's event log: a bounded in-memory ring for `events.count` / `events.query`,
/// and optionally a JSONL journal (`<journal-dir>/<client_id>.jsonl`, as the seed lays it out)
/// that every event is appended to as it happens.
public final class EventLog: Sendable {
    public static let defaultCapacity = 100_000

    private struct Storage {
        var ring: BoundedRing<RuntimeEvent>
        var lastSeq: UInt64
        var lastMicros: Int64 = .min
        var journal: EventJournal?
        /// A write failure of a journal since closed.
        var closedFailure: String?
    }

    /// Where the journal lives, or nil for a memory-only log.
    public let journalPath: String?
    /// How many events the in-memory ring keeps.
    public let capacity: Int
    private let storage: Mutex<Storage>

    /// Opens (creating it and its directory if needed) the journal at `journalPath`, cutting
    /// back a torn last line left by an earlier crash; nil keeps events in memory only. A
    /// reopened journal continues its `seq` numbering; its old events are not loaded, since the
    /// in-memory log describes this connection.
    public init(journalPath: String?, capacity: Int = EventLog.defaultCapacity) throws(EventLogError) {
        var journal: EventJournal?
        if let journalPath {
            let directory = (journalPath as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                } catch {
                    throw EventLogError("cannot create journal directory '\(directory)': \(error.localizedDescription)")
                }
            }
            journal = try EventJournal(path: journalPath)
        }
        self.journalPath = journalPath
        self.capacity = max(1, capacity)
        storage = Mutex(Storage(ring: BoundedRing(capacity: capacity), lastSeq: journal?.lastSeq ?? 0, journal: journal))
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
        return storage.withLock { storage in
            // The wall clock may step back; the log's timestamps do not, so time bounds agree with seq.
            storage.lastMicros = max(storage.lastMicros, now)
            storage.lastSeq += 1
            let event = RuntimeEvent(seq: storage.lastSeq, kind: kind, micros: storage.lastMicros,
                                     proposalID: proposalID, actionID: actionID, data: data)
            storage.ring.append(event)
            if let journal = storage.journal {
                var line = JSONWriter.bytes(event.json)
                line.append(0x0A)
                journal.append(line)
            }
            return event
        }
    }

    /// Events held in memory (at most `capacity`).
    public var count: Int { storage.withLock { $0.ring.count } }

    /// The `seq` of the newest event (0 before the first).
    public var lastSeq: UInt64 { storage.withLock { $0.lastSeq } }

    /// The last journal write failure, if the journal is incomplete.
    public var journalFailure: String? { storage.withLock { $0.journal?.failure ?? $0.closedFailure } }

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

    /// Flushes and closes the journal. Events appended afterwards stay in memory only.
    public func close() {
        storage.withLock { storage in
            storage.journal?.finish()
            storage.closedFailure = storage.journal?.failure ?? storage.closedFailure
            storage.journal = nil
        }
    }
}
