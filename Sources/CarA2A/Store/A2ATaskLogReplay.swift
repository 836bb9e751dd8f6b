import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a task log back into an index, a megabyte at a time so a large log is never held
/// whole. Only what a crash can leave is repaired: bytes after the last newline (a write cut
/// short) and a last whole line that is not JSON (a torn write a later newline closed) are
/// cut. A damaged line before the last fails the open, naming the line: replaying past it would
/// silently drop a saved task.
enum A2ATaskLogReplay {
    struct Outcome {
        var length: Int64 = 0
        var cut: Int64 = 0
        var lines = 0
    }

    static let chunkBytes = 1 << 20

    static func replay(_ fd: Int32, path: String, limits: A2ATaskLogStore.Limits,
                       into index: inout A2ATaskIndex) throws(A2AStoreError) -> Outcome {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(path, "fstat: \(lastError())") }
        let size = Int64(status.st_size)
        guard size <= limits.maxFileBytes else {
            throw failure(path, "the log is \(size) bytes, over the limit of \(limits.maxFileBytes); refusing to load it")
        }
        var outcome = Outcome()
        var unparsed: (line: Int, offset: Int64, reason: String)?
        var line: [UInt8] = []
        var oversized = false
        var lineStart: Int64 = 0
        var offset: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        while offset < size {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure(path, "read: \(count < 0 ? lastError() : "unexpected end of file")") }
            var start = 0
            while let newline = chunk[start..<count].firstIndex(of: 0x0A) {
                let number = outcome.lines + 1
                if let earlier = unparsed {
                    throw failure(path, "line \(earlier.line) is damaged (\(earlier.reason)) and is not the last line; nothing was loaded")
                }
                if oversized || line.count + (newline - start) > limits.maxLineBytes {
                    throw failure(path, "line \(number) is over \(limits.maxLineBytes) bytes; nothing was loaded")
                }
                line.append(contentsOf: chunk[start..<newline])
                switch record(line) {
                case .success(let task):
                    do {
                        _ = try index.put(task, force: true)
                    } catch {
                        throw failure(path, "line \(number): \(error)")
                    }
                    outcome.length = offset + Int64(newline) + 1
                case .failure(let reason):
                    unparsed = (number, lineStart, reason.description)
                }
                outcome.lines = number
                line.removeAll(keepingCapacity: true)
                start = newline + 1
                lineStart = offset + Int64(start)
            }
            // A line with no newline yet: kept only while it could still be a valid one.
            if !oversized {
                if line.count + (count - start) > limits.maxLineBytes {
                    oversized = true
                    line = []
                } else {
                    line.append(contentsOf: chunk[start..<count])
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
                throw failure(path, "cannot cut its torn tail: \(lastError())")
            }
        }
        return outcome
    }

    struct Reason: Error, CustomStringConvertible { let description: String }

    /// A line is `{"task": <the task in 1.0 shapes>}`.
    static func record(_ line: [UInt8]) -> Result<A2ATask, Reason> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return .failure(Reason(description: "not JSON: \(error)"))
        }
        guard let task = value["task"] else { return .failure(Reason(description: "no \"task\" member")) }
        do {
            return .success(try A2ACodec(.v1_0).decodeTask(task))
        } catch {
            return .failure(Reason(description: error.message))
        }
    }

    static func line(for task: A2ATask) -> [UInt8] {
        var bytes: [UInt8] = []
        JSONWriter.write(["task": A2ACodec(.v1_0).encode(task)], into: &bytes)
        bytes.append(0x0A)
        return bytes
    }

    static func failure(_ path: String, _ reason: String) -> A2AStoreError {
        A2AStoreError("task log \(path): \(reason)")
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
