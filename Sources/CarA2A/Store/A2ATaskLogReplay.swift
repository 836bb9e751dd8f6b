import CarFiles
import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a task log back into an index, with the repair every append-only log of the daemon
/// gets (`LineLogReplay`): a torn last line is cut, a damaged line before it fails the open
/// naming the line, as replaying past it would silently drop a saved task.
enum A2ATaskLogReplay {
    static func replay(_ fd: Int32, path: String, limits: A2ATaskLogStore.Limits,
                       into index: inout A2ATaskIndex) throws(A2AStoreError) -> LineLogReplay.Outcome {
        do {
            return try LineLogReplay.replay(fd, maxFileBytes: limits.maxFileBytes, maxLineBytes: limits.maxLineBytes) { number, line in
                switch record(line) {
                case .success(let task):
                    do {
                        // Counted as the line it is (with its newline), as saves count it.
                        _ = try index.put(task, size: line.count + 1, force: true)
                    } catch {
                        throw failure(path, "line \(number): \(error)")
                    }
                    return nil
                case .failure(let reason):
                    return reason.description
                }
            }
        } catch let error as A2AStoreError {
            throw error
        } catch {
            throw failure(path, "\(error)")
        }
    }

    struct Reason: Error, CustomStringConvertible { let description: String }

    /// A line is `{"task": <the task in 1.0 shapes>, "owner"?: <the peer that started it>}`.
    static func record(_ line: [UInt8]) -> Result<A2ATask, Reason> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return .failure(Reason(description: "not JSON: \(error)"))
        }
        guard let task = value["task"] else { return .failure(Reason(description: "no \"task\" member")) }
        do {
            var decoded = try A2ACodec(.v1_0).decodeTask(task)
            switch value["owner"] {
            case nil, .null?: break
            case .string(let owner)?: decoded.owner = owner
            default: return .failure(Reason(description: "\"owner\" is not a string"))
            }
            return .success(decoded)
        } catch {
            return .failure(Reason(description: error.message))
        }
    }

    static func line(for task: A2ATask) -> [UInt8] {
        var bytes: [UInt8] = []
        var record: [String: JSONValue] = ["task": A2ACodec(.v1_0).encode(task)]
        if let owner = task.owner { record["owner"] = .string(owner) }
        JSONWriter.write(.object(record), into: &bytes)
        bytes.append(0x0A)
        return bytes
    }

    static func failure(_ path: String, _ reason: String) -> A2AStoreError {
        A2AStoreError("task log \(path): \(reason)")
    }

    static func lastError() -> String { LineLogReplay.lastError() }
}
