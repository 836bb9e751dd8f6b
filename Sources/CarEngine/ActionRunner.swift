import CarIR
import CarJSON

/// How one dispatched action ended, with the accounting the scheduler sums up.
struct ActionRun: Sendable {
    let index: Int
    var result: ActionResult
    var toolCalls = 0
    var retries = 0
    /// The invoker reported the connection gone: the proposal must end at once.
    var channelClosed = false
}

/// Runs one action whose prerequisites have all succeeded: the gates that may reject it
/// (interpolation, registration, policies, state dependencies, preconditions), then the action
/// itself, then its state effects. Everything it does is journaled as it happens.
struct ActionRunner: Sendable {
    let tools: ToolRegistry
    let policies: PolicyEngine
    let state: StateView
    let events: ProposalEvents
    let invoker: any ToolInvoker
    let session: String?
    /// The proposal's action ids, ready to find `$<id>.output` (built once per proposal).
    let references: ReferenceMatcher
    let limits: ExecutionLimits

    func run(index: Int, action: Action, outputs: [String: JSONValue]) async -> ActionRun {
        var attempt = Attempt(index: index, action: action, events: events)

        // The gates. Nothing here has an effect, so a refusal is a rejection: the action never ran.
        let parameters: [String: JSONValue]
        do {
            parameters = try ParameterInterpolation(outputs: outputs, matcher: references).resolve(action.parameters)
        } catch {
            return attempt.rejected("parameter interpolation failed: \(error)")
        }
        var resolved = action
        resolved.parameters = parameters

        if action.kind == .toolCall, let tool = action.tool, tools.schema(named: tool) == nil {
            // Registered when the proposal was admitted, unregistered since.
            return attempt.rejected("tool '\(tool)' is not registered")
        }

        // Policies see the parameters the tool would actually receive, so an output
        // interpolated from an earlier action cannot smuggle a denied pattern past them.
        let violations = policies.check(resolved, session: session) { state.get($0) }
        if !violations.isEmpty {
            for violation in violations {
                var data: [String: JSONValue] = ["policy": .string(violation.policyName), "reason": .string(violation.reason)]
                if let tool = action.tool { data["tool"] = .string(tool) }
                events.record(.policyViolation, action: action.id, data)
            }
            let message = violations.map { "policy '\($0.policyName)' denied: \($0.reason)" }.joined(separator: "; ")
            return attempt.rejected(message, extra: ["policy": .string(violations[0].policyName)])
        }

        // "The executor rejects such an action before dispatch" (agent-ir-spec.md, on actions
        // whose state dependencies aren't available).
        for key in action.stateDependencies where !state.exists(key) {
            return attempt.rejected("state dependency '\(key)' is not available")
        }

        // An assertion's preconditions are what it asserts, so they fail it rather than reject it.
        if action.kind != .assertion, let failure = PreconditionCheck.firstFailure(action.preconditions, in: state) {
            return attempt.rejected("precondition failed: \(failure)")
        }

        var started: [String: JSONValue] = ["type": .string(action.kind.rawValue)]
        if let tool = action.tool { started["tool"] = .string(tool) }
        events.record(.actionStarted, action: action.id, started)

        let outcome: Outcome
        switch action.kind {
        case .toolCall: outcome = await callTool(resolved, &attempt)
        case .stateWrite: outcome = stateWrite(resolved)
        case .stateRead: outcome = stateRead(resolved)
        case .assertion: outcome = assertion(resolved)
        }

        switch outcome {
        case .failed(let message):
            return attempt.failed(message)
        case .succeeded(let output, let extraWrites):
            // A succeeded action's declared effects land in state (the tenant's view when
            // scoped); a state_write's own write goes last so it wins over a declared effect.
            var writes = action.expectedEffects.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            writes += extraWrites
            var changes: [String: JSONValue] = [:]
            for (key, value) in writes {
                do {
                    try state.set(key, value)
                } catch {
                    attempt.stateChanges = changes
                    return attempt.failed("state write '\(key)' failed: \(error)")
                }
                changes[key] = value
                events.record(.stateChanged, action: action.id, ["key": .string(key), "value": value])
            }
            attempt.stateChanges = changes
            return attempt.succeeded(output)
        }
    }

    enum Outcome {
        case succeeded(output: JSONValue, writes: [(String, JSONValue)])
        case failed(String)
    }

    // MARK: - The four action types

    private func callTool(_ action: Action, _ attempt: inout Attempt) async -> Outcome {
        // Admission guarantees a tool; this only keeps the type system honest.
        guard let tool = action.tool else { return .failed("tool_call action has no 'tool'") }
        let retries = action.failureBehavior == .retry ? min(action.maxRetries, limits.maxRetriesPerAction) : 0
        var lastError = ""
        for number in 1...(retries + 1) {
            if number > 1 {
                if Task.isCancelled { break }
                attempt.run.retries += 1
            }
            events.record(.toolCallbackSent, action: action.id, ["tool": .string(tool), "attempt": .int(Int64(number))])
            attempt.run.toolCalls += 1
            let call = ToolCall(actionID: action.id, tool: tool, parameters: .object(action.parameters),
                                timeoutMs: action.timeoutMs, attempt: number)
            let answer: [String: JSONValue] = ["tool": .string(tool), "attempt": .int(Int64(number))]
            switch await invoker.invoke(call) {
            case .success(let value):
                if let error = Self.toolError(in: value) {
                    events.record(.toolCallbackAnswered, action: action.id, answer.merging(["ok": false, "error": .string(error)]) { $1 })
                    lastError = error
                } else {
                    events.record(.toolCallbackAnswered, action: action.id, answer.merging(["ok": true]) { $1 })
                    attempt.attempts = number
                    return .succeeded(output: value, writes: [])
                }
            case .failure(let message):
                events.record(.toolCallbackAnswered, action: action.id, answer.merging(["ok": false, "error": .string(message)]) { $1 })
                lastError = message
            case .timedOut(let message):
                events.record(.toolCallbackTimedOut, action: action.id, answer.merging(["error": .string(message)]) { $1 })
                lastError = message
            case .channelClosed:
                attempt.run.channelClosed = true
                attempt.attempts = number
                return .failed("callback channel closed")
            }
            attempt.attempts = number
        }
        return .failed(lastError)
    }

    /// The SPEC's tool contract: "an error is just a `{"error": "..."}` payload".
    static func toolError(in value: JSONValue) -> String? {
        guard case .object(let members) = value, let error = members["error"], error != .null else { return nil }
        return JSONText.coerced(error)
    }

    /// `{key, value}`: writes `value` (null when absent) under `key`. A state_write without a
    /// key is still meaningful when it declares `expected_effects`, which then are its writes.
    private func stateWrite(_ action: Action) -> Outcome {
        switch action.parameters["key"] {
        case .string(let key)?:
            return .succeeded(output: .null, writes: [(key, action.parameters["value"] ?? .null)])
        case nil, .null?:
            guard !action.expectedEffects.isEmpty else {
                return .failed("state_write requires a string parameter 'key' (or expected_effects)")
            }
            return .succeeded(output: .null, writes: [])
        case let other?:
            return .failed("state_write parameter 'key' must be a string, not \(other.typeName)")
        }
    }

    /// `{key}`: the output is the value (null when absent). `{keys: [...]}` reads several into
    /// an object of those present.
    private func stateRead(_ action: Action) -> Outcome {
        if case .string(let key)? = action.parameters["key"] {
            return .succeeded(output: state.get(key) ?? .null, writes: [])
        }
        if case .array(let names)? = action.parameters["keys"] {
            var found: [String: JSONValue] = [:]
            for name in names {
                guard case .string(let key) = name else { return .failed("state_read parameter 'keys' must hold strings") }
                if let value = state.get(key) { found[key] = value }
            }
            return .succeeded(output: .object(found), writes: [])
        }
        return .failed("state_read requires a string parameter 'key' (or 'keys')")
    }

    /// `{key, operator?, value?, description?}` plus the action's preconditions, all of which
    /// must hold. Without an operator, a given `value` means `eq` and no value means `exists`.
    private func assertion(_ action: Action) -> Outcome {
        var checks: [Precondition] = []
        switch action.parameters["key"] {
        case .string(let key)?:
            let value = action.parameters["value"]
            let op = action.parameters["operator"]?.stringValue ?? (value == nil ? "exists" : "eq")
            checks.append(Precondition(key: key, op: op, value: value ?? .null,
                                       description: action.parameters["description"]?.stringValue ?? ""))
        case nil, .null?:
            break
        case let other?:
            return .failed("assertion parameter 'key' must be a string, not \(other.typeName)")
        }
        checks += action.preconditions
        guard !checks.isEmpty else {
            return .failed("assertion has nothing to check: give parameters.key or preconditions")
        }
        if let failure = PreconditionCheck.firstFailure(checks, in: state) {
            return .failed("assertion failed: \(failure)")
        }
        return .succeeded(output: .null, writes: [])
    }
}

/// One action's result under construction: its clock, and the event that closes it.
struct Attempt {
    let action: Action
    let events: ProposalEvents
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    var run: ActionRun
    var stateChanges: [String: JSONValue] = [:]
    var attempts: UInt32 = 0

    init(index: Int, action: Action, events: ProposalEvents) {
        self.action = action
        self.events = events
        self.start = clock.now
        self.run = ActionRun(index: index, result: ActionResult(actionID: action.id, status: .executing, timestamp: ""))
    }

    private var toolData: [String: JSONValue] {
        action.tool.map { ["tool": .string($0)] } ?? [:]
    }

    mutating func rejected(_ error: String, extra: [String: JSONValue] = [:]) -> ActionRun {
        events.record(.actionRejected, action: action.id, toolData.merging(extra) { $1 }.merging(["error": .string(error)]) { $1 })
        return finish(.rejected, output: .null, error: error)
    }

    mutating func failed(_ error: String) -> ActionRun {
        var data = toolData
        data["error"] = .string(error)
        if attempts > 0 { data["attempts"] = .int(Int64(attempts)) }
        events.record(.actionFailed, action: action.id, data)
        return finish(.failed, output: .null, error: error)
    }

    mutating func succeeded(_ output: JSONValue) -> ActionRun {
        var data = toolData
        data["duration_ms"] = .double(elapsedMs)
        if attempts > 0 { data["attempts"] = .int(Int64(attempts)) }
        events.record(.actionSucceeded, action: action.id, data)
        return finish(.succeeded, output: output, error: nil)
    }

    var elapsedMs: Double {
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }

    private mutating func finish(_ status: ActionStatus, output: JSONValue, error: String?) -> ActionRun {
        run.result = ActionResult(actionID: action.id, status: status, output: output, error: error, stateChanges: stateChanges,
                                  durationMs: elapsedMs, timestamp: RFC3339.format(micros: RFC3339.nowMicros()))
        return run
    }
}
