import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The append-only JSONL file behind an `EventLog`: one JSON object per line, one line per
/// event. Each line goes out in a single `write(2)` on an `O_APPEND` descriptor, so a crash
/// of this process cannot leave half a line; a torn tail can still come from power loss or a
/// full disk, and is cut back to the last newline when the file is next opened.
///
/// Not thread-safe: `EventLog` only touches it under its lock.
final class EventJournal {
    let path: String
    private var descriptor: Int32
    /// Bytes the file holds as whole lines; a failed write is truncated back to this.
    private var size: Int64
    /// The `seq` of the last whole line found when the file was opened (0 if none).
    let lastSeq: UInt64
    /// Bytes cut from a torn tail when the file was opened.
    let repairedBytes: Int64
    /// The most recent write failure, if any: appending carries on (the in-memory log stays
    /// correct), but the caller can report that the journal is incomplete.
    private(set) var failure: String?

    init(path: String) throws(EventLogError) {
        self.path = path
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EventLogError("cannot open event journal '\(path)': \(Self.lastError())") }
        do throws(EventLogError) {
            let end = lseek(fd, 0, SEEK_END)
            guard end >= 0 else { throw EventLogError("cannot read event journal '\(path)': \(Self.lastError())") }
            let whole = try Self.wholeLinesLength(fd, end: Int64(end), path: path)
            if whole < Int64(end) {
                guard ftruncate(fd, off_t(whole)) == 0 else {
                    throw EventLogError("cannot repair torn tail of event journal '\(path)': \(Self.lastError())")
                }
            }
            descriptor = fd
            size = whole
            repairedBytes = Int64(end) - whole
            lastSeq = Self.seqOfLastLine(fd, end: whole)
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
                    problem = Self.lastError()
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

    /// Flushes to disk and closes; later appends are dropped.
    func finish() {
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
        descriptor = -1
    }

    /// The length of the file up to and including its last newline.
    private static func wholeLinesLength(_ fd: Int32, end: Int64, path: String) throws(EventLogError) -> Int64 {
        guard end > 0 else { return 0 }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var upper = end
        while upper > 0 {
            let lower = max(0, upper - Int64(chunk.count))
            let count = Int(upper - lower)
            let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count, off_t(lower)) }
            guard read == count else { throw EventLogError("cannot read event journal '\(path)': \(lastError())") }
            if let newline = chunk[0..<count].lastIndex(of: 0x0A) {
                return lower + Int64(newline) + 1
            }
            upper = lower
        }
        return 0
    }

    /// Reads the last line of a file of whole lines (`end` just past its final newline) and
    /// returns its `seq`, so a reopened journal continues numbering instead of repeating it.
    private static func seqOfLastLine(_ fd: Int32, end: Int64) -> UInt64 {
        guard end > 1 else { return 0 }
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var upper = end - 1  // skip the final newline
        while upper > 0 {
            let lower = max(0, upper - Int64(chunk.count))
            let count = Int(upper - lower)
            let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count, off_t(lower)) }
            guard read == count else { return 0 }
            if let newline = chunk[0..<count].lastIndex(of: 0x0A) {
                line.insert(contentsOf: chunk[(newline + 1)..<count], at: 0)
                break
            }
            line.insert(contentsOf: chunk[0..<count], at: 0)
            upper = lower
        }
        guard let value = try? JSONParser.parse(line), let seq = value["seq"]?.intValue, seq > 0 else { return 0 }
        return UInt64(seq)
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}

public struct EventLogError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
