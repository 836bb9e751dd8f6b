import CarJSON
import Foundation
import Synchronization
import Testing
@testable import CarA2A

/// A runtime whose tools the tests script: `echo` returns its parameters, `fail` throws,
/// `wait` runs until cancelled (and records that it saw the cancellation), `big` returns a
/// result over any small limit; conversation replies with `reply` (nil: no conversation).
final class ScriptedRuntime: A2ARuntime {
    let reply: String?
    private let state = Mutex<(started: Int, sawCancellation: Bool, contexts: [A2AExecutionContext])>((0, false, []))

    init(reply: String? = "hello from CAR") {
        self.reply = reply
    }

    struct ToolFailure: Error, CustomStringConvertible {
        let description: String
    }

    var started: Int { state.withLock { $0.started } }
    var sawCancellation: Bool { state.withLock { $0.sawCancellation } }
    var contexts: [A2AExecutionContext] { state.withLock { $0.contexts } }

    func tools() async -> [A2ATool] {
        [A2ATool(name: "echo", description: "Returns its parameters."), A2ATool(name: "fail", description: "")]
    }

    func execute(tool: String, parameters: JSONValue, context: A2AExecutionContext) async throws -> JSONValue {
        state.withLock {
            $0.started += 1
            $0.contexts.append(context)
        }
        switch tool {
        case "echo": return parameters
        case "fail": throw ToolFailure(description: "the disk is on fire")
        case "big": return .string(String(repeating: "x", count: 10_000))
        case "wait":
            do {
                try await Task.sleep(for: .seconds(60))
            } catch is CancellationError {
                state.withLock { $0.sawCancellation = true }
                throw CancellationError()
            }
            return "finished"
        default: throw ToolFailure(description: "no tool named \(tool)")
        }
    }

    func converse(text: String, context: A2AExecutionContext) async throws -> String? {
        state.withLock { $0.started += 1 }
        return reply.map { "\($0) (you said: \(text))" }
    }
}

/// Status times that step one millisecond per stamp, so order tests do not depend on the clock.
final class SteppingClock: Sendable {
    private let now = Atomic<Int64>(1_800_000_000_000_000)
    func callAsFunction() -> Int64 { now.add(1_000, ordering: .relaxed).newValue }
}

enum CoreFixtures {
    static let info = A2ACardInfo(version: "0.1.0", publicURL: "http://127.0.0.1:9103/a2a", requiresBearer: true)

    static func dispatcher(runtime: ScriptedRuntime = ScriptedRuntime(), store: any A2ATaskStore = InMemoryA2ATaskStore(),
                           limits: A2ALimits = A2ALimits()) -> A2ADispatcher {
        let clock = SteppingClock()
        return A2ADispatcher(runtime: runtime, store: store, info: info, limits: limits, clock: { clock() })
    }

    static func limits(_ edit: (inout A2ALimits) -> Void) -> A2ALimits {
        var limits = A2ALimits()
        edit(&limits)
        return limits
    }

    /// 1.0 SendMessage params with the given parts.
    static func send(_ parts: [JSONValue], taskID: String? = nil, returnImmediately: Bool = false) -> JSONValue {
        var message: [String: JSONValue] = ["messageId": .string(A2AIdentifier.make()), "role": "ROLE_USER", "parts": .array(parts)]
        if let taskID { message["taskId"] = .string(taskID) }
        return ["message": .object(message), "configuration": returnImmediately ? ["returnImmediately": true] : [:]]
    }

    static func tool(_ name: String, _ parameters: JSONValue = [:]) -> JSONValue {
        ["data": ["tool": .string(name), "parameters": parameters]]
    }

    static func text(_ text: String) -> JSONValue { ["text": .string(text)] }

    /// The task of a 1.0 SendMessage result.
    static func task(_ result: JSONValue) throws -> A2ATask {
        guard case .task(let task) = try A2ACodec(.v1_0).decodeSendResult(result) else {
            Issue.record("expected a task, got \(result)")
            throw ScriptedRuntime.ToolFailure(description: "not a task")
        }
        return task
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "car-a2a-tests-\(A2AIdentifier.make())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The A2A error `body` throws; nil (and a recorded issue) when it throws none.
func a2aError<T>(_ body: () async throws(A2AError) -> T, sourceLocation: SourceLocation = #_sourceLocation) async -> A2AError? {
    do {
        let value = try await body()
        Issue.record("expected an A2A error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Every event of a stream, up to `limit` (a stream that does not end fails the test).
func collect(_ stream: AsyncStream<A2AStreamEvent>, limit: Int = 64, timeout: Duration = .seconds(10)) async -> [A2AStreamEvent] {
    await withTaskGroup(of: [A2AStreamEvent]?.self) { group in
        group.addTask {
            var events: [A2AStreamEvent] = []
            for await event in stream {
                events.append(event)
                if events.count >= limit { break }
            }
            return events
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next()!
        group.cancelAll()
        guard let events = first else {
            Issue.record("the stream did not end within \(timeout)")
            return []
        }
        return events
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

extension A2AStreamEvent {
    var result: JSONValue? {
        if case .result(let value) = self { return value }
        return nil
    }
}

/// Most tests speak for the daemon's side; the scoping tests name their caller.
extension A2ADispatcher {
    func call(_ operation: A2AOperation, version: A2AProtocolVersion, params: JSONValue) async throws(A2AError) -> JSONValue {
        try await call(operation, version: version, params: params, caller: .daemon(session: nil))
    }

    func stream(_ operation: A2AOperation, version: A2AProtocolVersion, params: JSONValue) async throws(A2AError) -> AsyncStream<A2AStreamEvent> {
        try await stream(operation, version: version, params: params, caller: .daemon(session: nil))
    }
}
