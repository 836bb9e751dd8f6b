import CarEngine
import CarIR
import CarJSON
import Foundation
import Synchronization

/// A tool invoker that records every call and how many were in flight at once, and answers
/// through a closure the test supplies.
final class FakeInvoker: ToolInvoker {
    typealias Handler = @Sendable (ToolCall) async -> ToolOutcome

    private let handler: Handler
    private let recorded = Mutex<[ToolCall]>([])
    private let flight = Mutex<(current: Int, peak: Int)>((0, 0))

    init(_ handler: @escaping Handler = { call in .success(["tool": .string(call.tool), "ok": true]) }) {
        self.handler = handler
    }

    func invoke(_ call: ToolCall) async -> ToolOutcome {
        recorded.withLock { $0.append(call) }
        flight.withLock { flight in
            flight.current += 1
            flight.peak = max(flight.peak, flight.current)
        }
        let outcome = await handler(call)
        flight.withLock { $0.current -= 1 }
        return outcome
    }

    var calls: [ToolCall] { recorded.withLock { $0 } }
    var peakInFlight: Int { flight.withLock { $0.peak } }
}

/// Waits until `parties` callers have arrived (true), or gives up after `timeout` (false).
/// Concurrency tests assert on the answer, so running actions one at a time makes them fail
/// after the timeout instead of hanging.
final class Rendezvous: Sendable {
    private struct State {
        var arrived = 0
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    }

    let parties: Int
    let timeout: Duration
    private let state = Mutex(State())

    init(parties: Int, timeout: Duration = .seconds(3)) {
        self.parties = parties
        self.timeout = timeout
    }

    func arrive() async -> Bool {
        await withCheckedContinuation { continuation in
            let (release, id): ([CheckedContinuation<Bool, Never>], Int?) = state.withLock { state in
                state.arrived += 1
                if state.arrived >= parties {
                    let all = Array(state.waiters.values) + [continuation]
                    state.waiters = [:]
                    return (all, nil)
                }
                state.nextID += 1
                state.waiters[state.nextID] = continuation
                return ([], state.nextID)
            }
            for waiter in release { waiter.resume(returning: true) }
            guard let id else { return }
            let timeout = self.timeout
            Task {
                try? await Task.sleep(for: timeout)
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
            }
        }
    }
}

/// An ordered record of what happened, across tasks.
final class Timeline: Sendable {
    private let entries = Mutex<[String]>([])

    func note(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }

    func index(of entry: String) -> Int? { all.firstIndex(of: entry) }
}

enum Fixture {
    static func runtime(tools names: [String] = ["echo", "shell", "fetch", "flaky"], limits: ExecutionLimits = ExecutionLimits(),
                        journal: String? = nil) throws -> Runtime {
        let runtime = Runtime(eventLog: try EventLog(journalPath: journal), limits: limits)
        try runtime.tools.register(names.map { ToolSchema(name: $0) })
        return runtime
    }

    static func call(_ id: String, _ tool: String = "echo", _ parameters: [String: JSONValue] = [:], after: [String] = [],
                     behavior: Action.FailureBehavior = .abort, retries: UInt32 = 3, effects: [String: JSONValue] = [:],
                     reads: [String] = [], preconditions: [Precondition] = []) -> Action {
        Action(id: id, kind: .toolCall, tool: tool, parameters: parameters, preconditions: preconditions, expectedEffects: effects,
               stateDependencies: reads, dependencies: after, maxRetries: retries, failureBehavior: behavior)
    }

    static func proposal(_ actions: [Action], id: String = "p1") -> ActionProposal {
        ActionProposal(id: id, source: "test", actions: actions)
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "car-engine-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func lines(of path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}

extension ProposalResult {
    func status(_ actionID: String) -> ActionStatus? { result(for: actionID)?.status }
    func error(_ actionID: String) -> String? { result(for: actionID)?.error }
}
