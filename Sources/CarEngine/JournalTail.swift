import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding and cutting a torn tail of a JSONL journal: what power loss or a full disk can leave
/// at the end (a last line without its newline, or one that is not JSON). Shared by a journal
/// reopened by its log and by the startup sweep of the whole folder.
enum JournalTail {
    /// A last line longer than this is kept without being parsed: events are far smaller, and
    /// reading one must stay bounded.
    static let maxLastLineBytes = 16 << 20

    struct Repair {
        /// Bytes the file holds after the repair.
        var length: Int64
        /// Bytes cut from its end.
        var cut: Int64
        /// The last whole line, parsed (nil when the file is empty or the line is too long).
        var lastLine: JSONValue?
    }

    /// Cuts the file behind `fd` back to its last newline, then drops its last line too when
    /// that line is not a JSON object (a torn write that a later newline closed).
    static func repair(_ fd: Int32, path: String) throws(EventLogError) -> Repair {
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw EventLogError("cannot read event journal '\(path)': \(lastError())") }
        var whole = try wholeLinesLength(fd, end: Int64(end), path: path)
        var parsed: JSONValue?
        // The last line, and once it is cut the one before it: that one is only read (for the
        // `seq` to continue from), never cut, since only the last write can be torn.
        var mayCut = true
        while whole > 0 {
            let start = try lineStart(fd, before: whole - 1, path: path)
            let length = whole - start
            guard length <= maxLastLineBytes else { break }
            let line = try readRange(fd, from: start, count: Int(length) - 1, path: path)
            if let value = try? JSONParser.parse(line), value.objectValue != nil {
                parsed = value
                break
            }
            guard mayCut else { break }
            whole = start
            mayCut = false
        }
        if whole < Int64(end) {
            guard ftruncate(fd, off_t(whole)) == 0 else {
                throw EventLogError("cannot repair torn tail of event journal '\(path)': \(lastError())")
            }
        }
        return Repair(length: whole, cut: Int64(end) - whole, lastLine: parsed)
    }

    /// The length of the file up to and including its last newline.
    private static func wholeLinesLength(_ fd: Int32, end: Int64, path: String) throws(EventLogError) -> Int64 {
        try lastNewline(fd, before: end, notBefore: 0, path: path).map { $0 + 1 } ?? 0
    }

    /// Where the line holding byte `offset` begins (just past the previous newline, or 0).
    private static func lineStart(_ fd: Int32, before offset: Int64, path: String) throws(EventLogError) -> Int64 {
        let floor = max(0, offset - Int64(maxLastLineBytes) - 1)
        if let newline = try lastNewline(fd, before: offset, notBefore: floor, path: path) { return newline + 1 }
        // No newline within reach: the line starts at 0, or is longer than we parse.
        return floor == 0 ? 0 : floor - 1
    }

    /// The offset of the last newline in `floor..<upper`, read backwards in chunks; nil if none.
    private static func lastNewline(_ fd: Int32, before upper: Int64, notBefore floor: Int64, path: String) throws(EventLogError) -> Int64? {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var upper = upper
        while upper > floor {
            let lower = max(floor, upper - Int64(chunk.count))
            let count = Int(upper - lower)
            let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count, off_t(lower)) }
            guard read == count else { throw EventLogError("cannot read event journal '\(path)': \(lastError())") }
            if let newline = chunk[0..<count].lastIndex(of: 0x0A) { return lower + Int64(newline) }
            upper = lower
        }
        return nil
    }

    private static func readRange(_ fd: Int32, from offset: Int64, count: Int, path: String) throws(EventLogError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { throw EventLogError("cannot read event journal '\(path)': \(lastError())") }
            done += read
        }
        return bytes
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
