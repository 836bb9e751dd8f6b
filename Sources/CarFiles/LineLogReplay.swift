#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading an append-only log of newline-ended records back, a chunk at a time so a large log
/// is never held whole, and repairing what a crash can leave, and only that: bytes after the
/// last newline (a write cut short) and a last whole line that does not read as a record (a
/// torn write a later newline closed) are cut off the file. A bad line before the last fails
/// the load naming it: replaying past it would silently drop a write.
///
/// The memory log and the A2A task log both keep this discipline; what a line means is theirs.
public enum LineLogReplay {
    public struct Outcome: Sendable {
        /// Bytes the file holds once repaired.
        public var length: Int64 = 0
        /// Bytes cut from its end.
        public var cut: Int64 = 0
        /// Lines kept.
        public var lines = 0
    }

    /// Why a replay stopped; the caller names the log.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let chunkBytes = 1 << 20

    /// Feeds each whole line (without its newline) to `line`, which returns nil when it kept
    /// the record, or why the line is not one (repaired when it is the last line); what
    /// `line` throws ends the replay as it is. Over `maxFileBytes`, or a line over
    /// `maxLineBytes`, fails.
    public static func replay(_ fd: Int32, maxFileBytes: Int64, maxLineBytes: Int,
                              line: (_ number: Int, _ bytes: [UInt8]) throws -> String?) throws -> Outcome {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw Failure(description: "fstat: \(lastError())") }
        let size = Int64(status.st_size)
        guard size <= maxFileBytes else {
            throw Failure(description: "the log is \(size) bytes, over the limit of \(maxFileBytes); refusing to load it")
        }
        var outcome = Outcome()
        // A whole line that is no record: an error unless it turns out to be the last one.
        var unparsed: (line: Int, offset: Int64, reason: String)?
        var pending: [UInt8] = []
        var oversized = false
        var lineStart: Int64 = 0
        var offset: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        while offset < size {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "read: \(count < 0 ? lastError() : "unexpected end of file")") }
            var start = 0
            while let newline = chunk[start..<count].firstIndex(of: 0x0A) {
                let number = outcome.lines + 1
                if let earlier = unparsed {
                    throw Failure(description: "line \(earlier.line) is damaged (\(earlier.reason)) and is not the last line; nothing was loaded")
                }
                if oversized || pending.count + (newline - start) > maxLineBytes {
                    throw Failure(description: "line \(number) is over \(maxLineBytes) bytes; nothing was loaded")
                }
                pending.append(contentsOf: chunk[start..<newline])
                if let reason = try line(number, pending) {
                    unparsed = (number, lineStart, reason)
                } else {
                    outcome.length = offset + Int64(newline) + 1
                }
                outcome.lines = number
                pending.removeAll(keepingCapacity: true)
                start = newline + 1
                lineStart = offset + Int64(start)
            }
            // A line with no newline yet: kept only while it could still be a valid one.
            if !oversized {
                if pending.count + (count - start) > maxLineBytes {
                    oversized = true
                    pending = []
                } else {
                    pending.append(contentsOf: chunk[start..<count])
                }
            }
            offset += Int64(count)
        }
        if let unparsed {
            outcome.lines -= 1
            outcome.length = unparsed.offset
        }
        outcome.cut = size - outcome.length
        if outcome.cut > 0 {
            guard ftruncate(fd, off_t(outcome.length)) == 0, fsync(fd) == 0 else {
                throw Failure(description: "cannot cut its torn tail: \(lastError())")
            }
        }
        return outcome
    }

    public static func lastError() -> String { String(cString: strerror(errno)) }
}
