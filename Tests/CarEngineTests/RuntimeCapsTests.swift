@testable import CarEngine
import CarIR
import CarJSON
import Testing

/// One connection's runtime holds client input for the connection's life: tools, policies,
/// policy sessions and state are each capped, and a refusal names the limit.
@Suite("runtime caps")
struct RuntimeCapsTests {
    @Test func toolsAreCappedInCountAndBytesAndABatchPastACapRegistersNothing() throws {
        let registry = ToolRegistry(maxTools: 3, maxBytes: 100)
        #expect(try registry.register([ToolSchema(name: "a"), ToolSchema(name: "b")]) == 2)
        // Re-registering a name replaces it and does not count twice.
        #expect(try registry.register([ToolSchema(name: "a", description: "again"), ToolSchema(name: "c")]) == 2)
        #expect(registry.count == 3)
        do {
            try registry.register([ToolSchema(name: "d"), ToolSchema(name: "e")])
            Issue.record("a fourth tool was accepted")
        } catch {
            #expect(error.description.contains("at most 3 tools") && error.description.contains("would make 5"), "\(error)")
        }
        #expect(registry.count == 3 && registry.schema(named: "d") == nil, "the refused batch left nothing behind")

        #expect(throws: ToolRegistryError.self) {
            try registry.register([ToolSchema(name: "a", description: String(repeating: "x", count: 200))])
        }
        #expect(registry.schema(named: "a")?.description == "again")
        let before = registry.bytes
        #expect(registry.unregister("c") == 1)
        #expect(registry.bytes < before, "unregistering gives the bytes back")
        #expect(try registry.register([ToolSchema(name: "d")]) == 1)
    }

    @Test func policiesAreCappedAcrossScopesAndSessionsInNumber() throws {
        let engine = PolicyEngine(maxPolicies: 3, maxBytes: 1_000, maxSessions: 2)
        let first = try engine.openSession()
        _ = try engine.openSession()
        do {
            _ = try engine.openSession()
            Issue.record("a third policy session was opened")
        } catch {
            #expect(error.description.contains("at most 2 policy sessions"), "\(error)")
        }
        try engine.register(PolicyDefinition(name: "g", rule: "deny_tool", target: "t"), scope: .global)
        try engine.register(PolicyDefinition(name: "s1", rule: "deny_tool", target: "t"), scope: .session(first))
        try engine.register(PolicyDefinition(name: "s2", rule: "deny_tool", target: "t"), scope: .session(first))
        #expect(throws: PolicyError("policy.register: this connection may hold at most 3 policies across all scopes")) {
            try engine.register(PolicyDefinition(name: "g2", rule: "deny_tool", target: "t"), scope: .global)
        }
        // Closing the session gives its policies back, and a session slot.
        #expect(engine.closeSession(first))
        #expect(engine.policyCount == 1)
        try engine.register(PolicyDefinition(name: "g2", rule: "deny_tool", target: "t"), scope: .global)
        _ = try engine.openSession()
        #expect(try engine.unregister(name: "g2", scope: .global) == 1)
        #expect(engine.policyCount == 1)
    }

    @Test func policyBytesAreCapped() throws {
        let engine = PolicyEngine(maxPolicies: 100, maxBytes: 200, maxSessions: 1)
        do {
            try engine.register(PolicyDefinition(name: "p", rule: "deny_tool_param", target: "shell", key: "c",
                                                 pattern: String(repeating: "x", count: 300)), scope: .global)
            Issue.record("a 300-byte pattern was accepted under a 200-byte cap")
        } catch {
            #expect(error.description.contains("at most 200 bytes"), "\(error)")
        }
        #expect(engine.policyCount == 0 && engine.policyBytes == 0)
    }

    @Test func stateIsCappedInTotalBytesAndOverwritesAreCountedOnce() throws {
        let store = StateStore(maxKeys: 1_000, maxBytes: 1_000)
        try store.set("k", .string(String(repeating: "v", count: 500)), tenant: nil)
        // Overwriting the same key with the same size fits: the old value's bytes are given back.
        try store.set("k", .string(String(repeating: "w", count: 500)), tenant: nil)
        #expect(store.bytes == 1 + 502)
        do {
            try store.set("other", .string(String(repeating: "x", count: 600)), tenant: "t")
            Issue.record("a write past the byte cap was accepted")
        } catch {
            #expect(error.description.contains("at most 1000 bytes"), "\(error)")
        }
        #expect(store.get("other", tenant: "t") == nil)
        try store.set("k", .int(1), tenant: nil)
        try store.set("other", .string(String(repeating: "x", count: 600)), tenant: "t")
        #expect(store.bytes == 1 + 1 + 5 + 1 + 602)
    }

    /// A proposal's state writes go through the same cap: the action fails naming it.
    @Test func aProposalStateWritePastTheCapFailsTheAction() async throws {
        let runtime = Runtime(eventLog: try EventLog(journalPath: nil), state: StateStore(maxBytes: 64))
        let proposal = ActionProposal(id: "p", actions: [
            Action(id: "w", kind: .stateWrite, parameters: ["key": "big", "value": .string(String(repeating: "x", count: 100))]),
        ])
        let result = await runtime.execute(proposal, session: nil, scope: nil, invoker: NoTools())
        let failure = result.results.first?.error ?? ""
        #expect(failure.contains("at most 64 bytes"), "\(failure)")
        #expect(runtime.state.get("big", tenant: nil) == nil)
    }
}

private struct NoTools: ToolInvoker {
    func invoke(_ call: ToolCall) async -> ToolOutcome { .channelClosed }
}
