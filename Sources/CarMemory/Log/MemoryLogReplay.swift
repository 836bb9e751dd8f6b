import CarFiles
import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a memory log back: every line applied in order, with the repair every append-only
/// log of the daemon gets (`LineLogReplay`): only the end of the last write is cut (bytes after
/// the last newline, a last whole line that is not JSON). Anything else that is wrong — a line
/// in the middle that is not JSON, or a JSON line that is no record — fails the load naming the
/// line: replaying past it would silently drop a write.
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

    static func replay(_ fd: Int32, path: String, into engine: MemoryEngine) throws(MemoryEngine.PersistenceError) -> Outcome {
        var entries = 0
        let replayed: LineLogReplay.Outcome
        do {
            replayed = try LineLogReplay.replay(fd, maxFileBytes: Int64(MemoryEngine.maxSnapshotBytes), maxLineBytes: MemoryEngine.maxSnapshotBytes) { number, line in
                let value: JSONValue
                do {
                    value = try JSONParser.parse(line)
                } catch {
                    return "not JSON: \(error)"
                }
                let record: MemoryLogRecord
                do {
                    record = try MemoryLogRecord(json: value)
                } catch {
                    throw failure(path, "line \(number) is not a memory log record: \(error); nothing was loaded")
                }
                do {
                    try engine.apply(record)
                } catch {
                    throw failure(path, "line \(number) cannot be applied: \(error); nothing was loaded")
                }
                entries += record.entries
                return nil
            }
        } catch let error as MemoryEngine.PersistenceError {
            throw error
        } catch {
            throw failure(path, "\(error)")
        }
        return Outcome(length: replayed.length, cut: replayed.cut, entries: entries, lines: replayed.lines)
    }

    static func failure(_ path: String, _ reason: String) -> MemoryEngine.PersistenceError {
        MemoryEngine.PersistenceError(description: "memory log \(path): \(reason)")
    }

    static func lastError() -> String { LineLogReplay.lastError() }
}
