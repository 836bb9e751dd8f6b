import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The append-only JSONL file behind an `EventLog`: one JSON object per line, one line per
/// event. Each line goes out in a single `write(2)` on an `O_APPEND` descriptor, so a crash
/// of this process cannot leave half a line; a torn tail can still come from power loss or a
/// full disk, and is cut back (`JournalTail`) when the file is next opened.
///
/// The descriptor holds a shared `flock` for as long as it is open: the folder's sweeps, in
/// this daemon or another one sharing the folder, only remove or repair a journal they can
/// lock exclusively, so they never touch one that is being written.
///
/// Not thread-safe, hence `@unchecked Sendable` only so it can be handed to the pool:
/// `EventLog` touches it under its lock, and `finish` runs on the pool only after the log has
/// detached it, so one thread at a time ever uses it.
final class EventJournal: @unchecked Sendable {
    let path: String
    private var descriptor: Int32
    /// Bytes the file holds as whole lines; a failed write is truncated back to this.
    private(set) var size: Int64
    /// The `seq` of the last whole line found when the file was opened (0 if none).
    let lastSeq: UInt64
    /// Bytes cut from a torn tail when the file was opened.
    let repairedBytes: Int64
    /// The most recent write failure, if any: appending carries on (the in-memory log stays
    /// correct), but the caller can report that the journal is incomplete.
    private(set) var failure: String?

    /// Opens the journal, creating it if needed, and repairs a torn tail.
    init(path: String) throws(EventLogError) {
        self.path = path
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EventLogError("cannot open event journal '\(path)': \(JournalTail.lastError())") }
        _ = flock(fd, LOCK_SH | LOCK_NB)
        do throws(EventLogError) {
            let repair = try JournalTail.repair(fd, path: path)
            descriptor = fd
            size = repair.length
            repairedBytes = repair.cut
            let seq = repair.lastLine?["seq"]?.intValue ?? 0
            lastSeq = seq > 0 ? UInt64(seq) : 0
        } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    func append(_ line: [UInt8]) {
        guard descriptor >= 0 else { return }
        var written = 0
        var problem: String?
        line.withUnsafeBytes { bytes in
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    problem = JournalTail.lastError()
                    return
                }
                written += result
            }
        }
        if let problem {
            // Cut whatever part of the line did land, so the next line starts on a line boundary.
            if written > 0 { _ = ftruncate(descriptor, off_t(size)) }
            failure = "cannot append to event journal '\(path)': \(problem)"
        } else {
            size += Int64(written)
        }
    }

    /// Flushes to disk and closes, or removes the file when it holds no event (a connection
    /// whose events were all trimmed leaves nothing behind). Blocking: runs on the pool, after
    /// the log has detached the journal, so no append can race it. Answers whether it removed
    /// the file.
    @discardableResult
    func finish() -> Bool {
        guard descriptor >= 0 else { return false }
        let empty = size == 0
        if empty {
            // Unlinked while still locked, so a sweep never sees it half-gone.
            unlink(path)
        } else {
            _ = fsync(descriptor)
        }
        _ = close(descriptor)
        descriptor = -1
        return empty
    }

    // MARK: Compaction (an atomic rewrite: temporary file, fsync, rename)

    /// A rewritten journal waiting to replace the live one.
    struct Rewrite {
        let temporaryPath: String
        let descriptor: Int32
        var size: Int64
    }

    /// Writes `events`, one line each, to `<path>.compact` and flushes it. Blocking: runs on
    /// the pool, without the log's lock (nothing here touches the live journal); serialised a
    /// megabyte at a time, so a full ring is never held as one buffer. One compaction per
    /// journal at a time, and client ids are unique, so the name is too.
    static func writeRewrite(of path: String, _ events: [RuntimeEvent]) throws(EventLogError) -> Rewrite {
        let temporary = temporaryPath(for: path)
        unlink(temporary)
        let fd = open(temporary, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EventLogError("cannot compact event journal '\(path)': open: \(JournalTail.lastError())") }
        var rewrite = Rewrite(temporaryPath: temporary, descriptor: fd, size: 0)
        var chunk: [UInt8] = []
        var problem: String?
        for (index, event) in events.enumerated() {
            chunk.append(contentsOf: JSONWriter.bytes(event.json))
            chunk.append(0x0A)
            if chunk.count >= 1 << 20 || index == events.count - 1 {
                if let failed = writeAll(fd, chunk) {
                    problem = failed
                    break
                }
                rewrite.size += Int64(chunk.count)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if let problem = problem ?? (fsync(fd) == 0 ? nil : JournalTail.lastError()) {
            discard(rewrite)
            throw EventLogError("cannot compact event journal '\(path)': \(problem)")
        }
        return rewrite
    }

    /// Puts the rewrite in place of the live file: appends `pending` (lines written to the old
    /// file while the rewrite was being made), renames it over the journal and continues on its
    /// descriptor. Runs under the log's lock, so no append is lost between the two files; it
    /// does one short write and one rename there, the bulk having been written before.
    func adopt(_ rewrite: Rewrite, pending: [UInt8]) throws(EventLogError) {
        if let problem = Self.writeAll(rewrite.descriptor, pending) {
            Self.discard(rewrite)
            throw EventLogError("cannot compact event journal '\(path)': \(problem)")
        }
        _ = flock(rewrite.descriptor, LOCK_SH | LOCK_NB)
        guard rename(rewrite.temporaryPath, path) == 0 else {
            let problem = JournalTail.lastError()
            Self.discard(rewrite)
            throw EventLogError("cannot compact event journal '\(path)': rename: \(problem)")
        }
        if descriptor >= 0 { close(descriptor) }
        descriptor = rewrite.descriptor
        size = rewrite.size + Int64(pending.count)
        failure = nil
    }

    /// Makes the rename durable. Blocking: runs on the pool after `adopt`.
    static func syncDirectory(of path: String) {
        let directory = parentDirectory(of: path)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    static func discard(_ rewrite: Rewrite) {
        close(rewrite.descriptor)
        unlink(rewrite.temporaryPath)
    }

    static let temporarySuffix = ".compact"

    static func temporaryPath(for path: String) -> String {
        path + temporarySuffix
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// nil when every byte was written, else the error.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> String? {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                return JournalTail.lastError()
            }
            written += result
        }
        return nil
    }
}

public struct EventLogError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
