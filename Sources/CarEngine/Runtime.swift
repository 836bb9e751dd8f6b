import CarIR
import CarJSON

/// One connection's runtime, as the seed's `Runtime`: the tools the client registered, the
/// policies in force, the state, and the event log, plus proposal execution over them. It
/// knows nothing of the transport; tools run through the `ToolInvoker` passed to `execute`.
public final class Runtime: Sendable {
    public let tools: ToolRegistry
    public let policies: PolicyEngine
    public let state: StateStore
    public let eventLog: EventLog
    public let limits: ExecutionLimits
    /// The built-in tools `agents.register_basics` enabled, which run in the daemon.
    public let builtins = BuiltinToolSet()

    public init(eventLog: EventLog, state: StateStore = StateStore(), tools: ToolRegistry = ToolRegistry(),
                policies: PolicyEngine = PolicyEngine(), limits: ExecutionLimits = ExecutionLimits()) {
        self.eventLog = eventLog
        self.state = state
        self.tools = tools
        self.policies = policies
        self.limits = limits
    }

    /// The whole-proposal checks `execute` applies before running anything (size, unique action
    /// ids, an open policy session), for a caller that prefers to answer with an error instead
    /// of a result whose every action is rejected.
    public func admit(_ proposal: ActionProposal, session: String?) throws(AdmissionError) {
        if let error = executor(proposal, session: session, scope: nil, invoker: NoInvoker()).admissionError() { throw error }
    }

    /// Runs the proposal to completion and returns one result per action, in proposal order.
    /// `session` adds that policy session's policies to the global ones; `scope` attributes the
    /// events and, with a tenant, routes every state read and write through that tenant's view.
    /// Both apply together (the reference lets `scope` win; applying both never loosens policy).
    public func execute(_ proposal: ActionProposal, session: String?, scope: RuntimeScope?, invoker: any ToolInvoker) async -> ProposalResult {
        await executor(proposal, session: session, scope: scope, invoker: invoker).run()
    }

    private func executor(_ proposal: ActionProposal, session: String?, scope: RuntimeScope?, invoker: any ToolInvoker) -> ProposalExecutor {
        ProposalExecutor(proposal: proposal, session: session, scope: scope, invoker: invoker, tools: tools, policies: policies,
                         state: state, log: eventLog, limits: limits)
    }
}

private struct NoInvoker: ToolInvoker {
    func invoke(_ call: ToolCall) async -> ToolOutcome { .channelClosed }
}
