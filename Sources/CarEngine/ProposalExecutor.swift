import CarIR
import CarJSON

/// Runs one proposal: orders its actions by `ActionGraph` (data edges, explicit `dependencies`,
/// and the edges `$<id>.output` references imply), runs every action whose prerequisites are
/// done concurrently (up to `limits.maxConcurrentActions`), and applies each action's
/// `failure_behavior` as results come in.
///
/// Statuses, following agent-ir-spec.md's CostSummary:
/// - `rejected` — blocked before running: structural problems found up front (dependency
///   cycle, unknown dependency id, tool_call without a tool or naming an unregistered one), a
///   prerequisite that did not succeed ("unsatisfied dependency"), a policy, an unavailable
///   state dependency, a failed precondition, or an interpolation that cannot resolve.
/// - `failed` — ran and did not succeed (tool error, failed assertion, bad parameters).
/// - `skipped` — never attempted because the proposal stopped first.
///
/// A failed or rejected action then applies its `failure_behavior`: `skip` lets independent
/// work go on (the action keeps its `failed`/`rejected` status; its dependents are rejected),
/// while `abort` — and `retry` once its retries are spent, or at once for a rejection —
/// stops dispatching: in-flight actions finish, the rest are skipped.
struct ProposalExecutor: Sendable {
    let proposal: ActionProposal
    let session: String?
    let scope: RuntimeScope?
    let invoker: any ToolInvoker
    let tools: ToolRegistry
    let policies: PolicyEngine
    let state: StateStore
    let log: EventLog
    let limits: ExecutionLimits

    private enum Stop {
        case aborted(by: String)
        case channelClosed
        case cancelled

        var skipReason: String {
            switch self {
            case .aborted: "skipped: earlier action aborted the proposal"
            case .channelClosed: "skipped: callback channel closed"
            case .cancelled: "skipped: proposal cancelled"
            }
        }

        var outcome: String {
            switch self {
            case .aborted: "aborted"
            case .channelClosed: "channel_closed"
            case .cancelled: "cancelled"
            }
        }
    }

    /// Everything the scheduling loop tracks; only the loop touches it.
    private struct Board {
        var results: [ActionResult?]
        var outputs: [String: JSONValue] = [:]
        var waiting: [Int]
        var dependents: [[Int]]
        var ready: [Int] = []
        var readyHead = 0
        var stop: Stop?
        var toolCalls = 0
        var retries = 0

        init(graph: ActionGraph) {
            results = Array(repeating: nil, count: graph.prerequisites.count)
            waiting = graph.prerequisites.map(\.count)
            dependents = Array(repeating: [], count: graph.prerequisites.count)
            for (index, prerequisites) in graph.prerequisites.enumerated() {
                for prerequisite in prerequisites { dependents[prerequisite].append(index) }
            }
        }

        mutating func resolve(_ index: Int, _ result: ActionResult) {
            results[index] = result
            if result.status == .succeeded { outputs[result.actionID] = result.output }
            for dependent in dependents[index] {
                waiting[dependent] -= 1
                if waiting[dependent] == 0, results[dependent] == nil { ready.append(dependent) }
            }
        }

        mutating func nextReady() -> Int? {
            guard readyHead < ready.count else { return nil }
            defer { readyHead += 1 }
            return ready[readyHead]
        }

        /// `abort` (and `retry` once it gives up, or for anything rejected) stops the proposal.
        mutating func applyFailureBehavior(of action: Action, _ result: ActionResult) {
            guard result.status == .failed || result.status == .rejected, action.failureBehavior != .skip else { return }
            if stop == nil { stop = .aborted(by: action.id) }
        }
    }

    func run() async -> ProposalResult {
        let clock = ContinuousClock()
        let start = clock.now
        let events = ProposalEvents(log: log, proposalID: proposal.id, scope: scope)
        var received: [String: JSONValue] = ["source": .string(proposal.source), "action_count": .int(Int64(proposal.actions.count))]
        if let session { received["session_id"] = .string(session) }
        if let context = proposal.context { received["context"] = context }
        events.record(.proposalReceived, received)

        if let refusal = admissionError() {
            var results: [ActionResult] = []
            for action in proposal.actions {
                events.record(.actionRejected, action: action.id, ["error": .string(refusal.message)])
                results.append(ActionResult(actionID: action.id, status: .rejected, error: refusal.message, timestamp: Self.now()))
            }
            return complete(results, toolCalls: 0, retries: 0, stop: nil, refusal: refusal.message, elapsed: clock.now - start, events: events)
        }

        let actions = proposal.actions
        let matcher = ReferenceMatcher(actionIDs: actions.map(\.id))
        let references = Self.references(actions, matcher: matcher)
        let graph = ActionGraph(Self.withEdges(actions, references), honoringExplicitDependencies: true)
        var board = Board(graph: graph)

        // Structural problems first, for every action: nothing has run yet, so the caller learns
        // of them all at once, and an aborting one stops the proposal before any side effect.
        var rejectedUpFront: [(Int, ActionResult)] = []
        let cyclic = Set(graph.cyclic)
        for (index, action) in actions.enumerated() {
            var problems: [String] = []
            if cyclic.contains(index) { problems.append("dependency cycle: this action waits, directly or not, on itself") }
            for id in graph.unknownDependencies[index] ?? [] { problems.append("unknown dependency '\(id)'") }
            if action.kind == .toolCall {
                if let tool = action.tool, !tool.isEmpty {
                    if tools.schema(named: tool) == nil { problems.append("tool '\(tool)' is not registered") }
                } else {
                    problems.append("tool_call action has no 'tool'")
                }
            }
            guard !problems.isEmpty else { continue }
            let error = problems.joined(separator: "; ")
            var data: [String: JSONValue] = ["error": .string(error)]
            if let tool = action.tool { data["tool"] = .string(tool) }
            events.record(.actionRejected, action: action.id, data)
            let result = ActionResult(actionID: action.id, status: .rejected, error: error, timestamp: Self.now())
            rejectedUpFront.append((index, result))
            board.applyFailureBehavior(of: action, result)
        }
        board.ready = graph.levels.first ?? []
        board.ready.removeAll { index in rejectedUpFront.contains { $0.0 == index } }
        for (index, result) in rejectedUpFront { board.resolve(index, result) }

        let runner = ActionRunner(tools: tools, policies: policies, state: state.view(tenant: scope?.tenant), events: events,
                                  invoker: invoker, session: session, references: matcher, limits: limits)
        let limit = limits.maxConcurrentActions

        await withTaskGroup(of: ActionRun.self) { group in
            var inFlight = 0
            while true {
                while board.stop == nil, inFlight < limit, let index = board.nextReady() {
                    if Task.isCancelled {
                        board.stop = .cancelled
                        board.readyHead -= 1
                        break
                    }
                    let action = actions[index]
                    if let blocker = graph.prerequisites[index].first(where: { board.results[$0]?.status != .succeeded }) {
                        let status = board.results[blocker]?.status.rawValue ?? "unknown"
                        let error = "dependency '\(actions[blocker].id)' did not succeed (\(status))"
                        var data: [String: JSONValue] = ["error": .string(error), "dependency": .string(actions[blocker].id)]
                        if let tool = action.tool { data["tool"] = .string(tool) }
                        events.record(.actionRejected, action: action.id, data)
                        let result = ActionResult(actionID: action.id, status: .rejected, error: error, timestamp: Self.now())
                        board.resolve(index, result)
                        board.applyFailureBehavior(of: action, result)
                        continue
                    }
                    // Only the outputs this action interpolates: handing every task the whole map
                    // would make each later success copy it.
                    var outputs: [String: JSONValue] = [:]
                    for id in references[index] { outputs[id] = board.outputs[id] }
                    group.addTask { await runner.run(index: index, action: action, outputs: outputs) }
                    inFlight += 1
                }
                guard inFlight > 0, let run = await group.next() else { break }
                inFlight -= 1
                board.toolCalls += run.toolCalls
                board.retries += run.retries
                board.resolve(run.index, run.result)
                if run.channelClosed {
                    // Nothing more can reach the client: stop now, and let the invoker fail what
                    // is still waiting on it.
                    board.stop = .channelClosed
                    group.cancelAll()
                } else {
                    board.applyFailureBehavior(of: actions[run.index], run.result)
                }
            }
        }

        var results: [ActionResult] = []
        results.reserveCapacity(actions.count)
        for (index, action) in actions.enumerated() {
            if let result = board.results[index] {
                results.append(result)
                continue
            }
            // Unreached without a stop only if the graph left it out; report it, never drop it.
            let reason = board.stop?.skipReason ?? "skipped: never became ready"
            var data: [String: JSONValue] = ["reason": .string(reason)]
            if case .aborted(let by)? = board.stop { data["aborted_by"] = .string(by) }
            events.record(.actionSkipped, action: action.id, data)
            results.append(ActionResult(actionID: action.id, status: .skipped, error: reason, timestamp: Self.now()))
        }
        return complete(results, toolCalls: board.toolCalls, retries: board.retries, stop: board.stop, refusal: nil,
                        elapsed: clock.now - start, events: events)
    }

    /// Whole-proposal checks that refuse it before anything runs.
    func admissionError() -> AdmissionError? {
        if proposal.actions.count > limits.maxActions {
            return AdmissionError("proposal has \(proposal.actions.count) actions; at most \(limits.maxActions) may be submitted at once")
        }
        // The reference matcher is built from the ids, about 17 bytes per id byte: bounded here.
        let idBytes = proposal.actions.reduce(0) { $0 + $1.id.utf8.count }
        if idBytes > limits.maxActionIDBytes {
            return AdmissionError("proposal action ids take \(idBytes) bytes together; at most \(limits.maxActionIDBytes) are allowed")
        }
        var seen = Set<String>()
        for action in proposal.actions where !seen.insert(action.id).inserted {
            return AdmissionError("duplicate action id '\(action.id)': ids must be unique within a proposal")
        }
        if let session, !policies.hasSession(session) {
            return AdmissionError("unknown policy session '\(session)'")
        }
        return nil
    }

    /// For each action, the other actions whose output its parameters interpolate.
    static func references(_ actions: [Action], matcher: ReferenceMatcher) -> [[String]] {
        actions.map { action in
            var found = ParameterInterpolation.references(in: .object(action.parameters), matcher: matcher)
            // A self-reference is left to fail at interpolation.
            found.remove(action.id)
            return found.sorted()
        }
    }

    /// An action that interpolates `$a1.output` cannot run before a1, so each reference
    /// becomes one of its `dependencies`.
    static func withEdges(_ actions: [Action], _ references: [[String]]) -> [Action] {
        var ordered = actions
        for index in ordered.indices {
            for id in references[index] where !ordered[index].dependencies.contains(id) {
                ordered[index].dependencies.append(id)
            }
        }
        return ordered
    }

    private func complete(_ results: [ActionResult], toolCalls: Int, retries: Int, stop: Stop?, refusal: String?,
                          elapsed: Duration, events: ProposalEvents) -> ProposalResult {
        let count = { (status: ActionStatus) in results.reduce(0) { $0 + ($1.status == status ? 1 : 0) } }
        let totalMs = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        let cost = CostSummary(toolCalls: toolCalls, actionsExecuted: count(.succeeded) + count(.failed), actionsRejected: count(.rejected),
                               actionsSkipped: count(.skipped), totalDurationMs: totalMs, retries: retries)
        var data: [String: JSONValue] = [
            "outcome": .string(refusal != nil ? "refused" : (stop?.outcome ?? "completed")),
            "succeeded": .int(Int64(count(.succeeded))), "failed": .int(Int64(count(.failed))),
            "rejected": .int(Int64(cost.actionsRejected)), "skipped": .int(Int64(cost.actionsSkipped)),
            "tool_calls": .int(Int64(toolCalls)), "retries": .int(Int64(retries)), "duration_ms": .double(totalMs),
        ]
        if let refusal { data["error"] = .string(refusal) }
        if case .aborted(let by)? = stop { data["aborted_by"] = .string(by) }
        events.record(.proposalCompleted, data)
        return ProposalResult(proposalID: proposal.id, results: results, cost: cost)
    }

    private static func now() -> String {
        RFC3339.format(micros: RFC3339.nowMicros())
    }
}
