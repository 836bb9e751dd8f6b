import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a memory log back: every line applied in order, streamed a megabyte at a time so
/// a large log is never held whole.
///
/// What a crash can leave is repaired, and only that: the end of the last write. Bytes after
/// the last newline (a line whose write was cut short) are cut, and so is a last whole line
/// that is not JSON (a torn write that a later newline closed). Anything else that is wrong —
/// a line in the middle that is not JSON, or a JSON line that is no record — fails the load
/// naming the line: replaying past it would silently drop a write.
enum MemoryLogReplay {
    struct Outcome {
        /// Bytes the file holds once repaired.
        var length: Int64
        /// Bytes cut from its end.
        var cut: Int64
        /// Entries (facts and skills named, see `MemoryLogRecord.entries`) in the lines kept.
        var entries: Int
        var lines: Int
    }

    static let chunkBytes = 1 << 20

    static func replay(_ fd: Int32, path: String, into engine: MemoryEngine) throws(MemoryEngine.PersistenceError) -> Outcome {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(path, "fstat: \(lastError())") }
        let size = Int64(status.st_size)
        guard size <= Int64(MemoryEngine.maxSnapshotBytes) else {
            throw failure(path, "the log is \(size) bytes, over the limit of \(MemoryEngine.maxSnapshotBytes); refusing to load it")
        }
        var outcome = Outcome(length: 0, cut: 0, entries: 0, lines: 0)
        // A whole line that is not JSON; an error unless it turns out to be the last one.
        var unparsed: (line: Int, offset: Int64, reason: String)?
        var line: [UInt8] = []
        var lineStart: Int64 = 0
        var offset: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        while offset < size {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure(path, "read: \(count < 0 ? lastError() : "unexpected end of file")") }
            var start = 0
            while let newline = chunk[start..<count].firstIndex(of: 0x0A) {
                line.append(contentsOf: chunk[start..<newline])
                let number = outcome.lines + 1
                if let earlier = unparsed {
                    throw failure(path, "line \(earlier.line) is not JSON (\(earlier.reason)) and is not the last line; "
                                  + "the log is damaged, nothing was loaded")
                }
                do {
                    let value = try JSONParser.parse(line)
                    let record: MemoryLogRecord
                    do {
                        record = try MemoryLogRecord(json: value)
                    } catch {
                        throw failure(path, "line \(number) is not a memory log record: \(error.description); nothing was loaded")
                    }
                    do {
                        try engine.apply(record)
                    } catch {
                        throw failure(path, "line \(number) cannot be applied: \(error.description); nothing was loaded")
                    }
                    outcome.entries += record.entries
                    outcome.length = offset + Int64(newline) + 1
                } catch let error as MemoryEngine.PersistenceError {
                    throw error
                } catch {
                    unparsed = (number, lineStart, "\(error)")
                }
                outcome.lines = number
                line.removeAll(keepingCapacity: true)
                start = newline + 1
                lineStart = offset + Int64(start)
            }
            line.append(contentsOf: chunk[start..<count])
            offset += Int64(count)
        }
        if let unparsed {
            outcome.lines -= 1
            outcome.length = unparsed.offset
        }
        outcome.cut = size - outcome.length
        if outcome.cut > 0 {
            guard ftruncate(fd, off_t(outcome.length)) == 0, fsync(fd) == 0 else {
                throw failure(path, "cannot cut its torn tail: \(lastError())")
            }
        }
        return outcome
    }

    static func failure(_ path: String, _ reason: String) -> MemoryEngine.PersistenceError {
        MemoryEngine.PersistenceError(description: "memory log \(path): \(reason)")
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
