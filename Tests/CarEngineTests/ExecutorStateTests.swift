import CarEngine
import CarIR
import CarJSON
import Testing

@Suite("executor: state")
struct ExecutorStateTests {
    @Test func writesReadsAndExpectedEffectsLandInStateAndStateChanges() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { _ in .success(["deployed": true]) }
        let actions = [
            Action(id: "w", kind: .stateWrite, parameters: ["key": "env", "value": "staging"], expectedEffects: ["written_by": "w"]),
            Fixture.call("deploy", "echo", ["env": "$r.output"], effects: ["deployed": true, "version": 2]),
            Action(id: "r", kind: .stateRead, parameters: ["key": "env"], stateDependencies: ["env"]),
            Action(id: "missing", kind: .stateRead, parameters: ["key": "nope"]),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.succeeded, .succeeded, .succeeded, .succeeded])
        #expect(result.result(for: "w")?.stateChanges == ["env": "staging", "written_by": "w"])
        #expect(result.result(for: "deploy")?.stateChanges == ["deployed": true, "version": 2])
        #expect(result.result(for: "r")?.output == "staging")
        #expect(result.result(for: "missing")?.output == .null)
        #expect(invoker.calls.first?.parameters == ["env": "staging"])
        #expect(runtime.state.snapshot(tenant: nil) == ["env": "staging", "written_by": "w", "deployed": true, "version": 2])

        let changes = runtime.eventLog.query(EventQuery(kinds: [.stateChanged]))
        #expect(Set(changes.compactMap { $0.data["key"]?.stringValue }) == ["env", "written_by", "deployed", "version"])
    }

    @Test func aFailedActionsEffectsDoNotLand() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { _ in .failure("nope") }
        let result = await runtime.execute(Fixture.proposal([Fixture.call("deploy", effects: ["deployed": true])]),
                                           session: nil, scope: nil, invoker: invoker)
        #expect(result.result(for: "deploy")?.stateChanges == [:])
        #expect(runtime.state.get("deployed", tenant: nil) == nil)
    }

    @Test func aTenantScopedProposalReadsAndWritesOnlyItsTenant() async throws {
        let runtime = try Fixture.runtime()
        try runtime.state.set("owner", "unscoped", tenant: nil)
        try runtime.state.set("owner", "tenant-b", tenant: "b")
        let invoker = FakeInvoker()
        let actions = [
            Action(id: "write", kind: .stateWrite, parameters: ["key": "note", "value": "from a"]),
            Action(id: "see_owner", kind: .stateRead, parameters: ["key": "owner"]),
            Action(id: "effects", kind: .toolCall, tool: "echo", expectedEffects: ["done": true]),
        ]
        let scope = RuntimeScope(callerID: "agent-7", tenantID: "a")
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: scope, invoker: invoker)
        #expect(result.results.allSatisfy { $0.status == .succeeded })
        #expect(result.result(for: "see_owner")?.output == .null, "neither the unscoped nor tenant b's key is visible")
        #expect(runtime.state.snapshot(tenant: "a") == ["note": "from a", "done": true])
        #expect(runtime.state.snapshot(tenant: nil) == ["owner": "unscoped"])
        #expect(runtime.state.snapshot(tenant: "b") == ["owner": "tenant-b"])

        // And the unscoped namespace does not see what tenant a wrote.
        let unscoped = await runtime.execute(Fixture.proposal([Action(id: "peek", kind: .stateRead, parameters: ["key": "note"])], id: "p2"),
                                             session: nil, scope: RuntimeScope(tenantID: ""), invoker: invoker)
        #expect(unscoped.result(for: "peek")?.output == .null)

        let tagged = runtime.eventLog.query(EventQuery(kinds: [.stateChanged], dataMatches: ["tenant": "a", "caller": "agent-7"]))
        #expect(tagged.count == 2)
    }

    @Test func assertionsCheckStateAndFailWhenItDoesNotHold() async throws {
        let runtime = try Fixture.runtime()
        try runtime.state.set("count", 3, tenant: nil)
        let invoker = FakeInvoker()
        let actions = [
            Action(id: "ok", kind: .assertion, parameters: ["key": "count", "operator": "gte", "value": 3]),
            Action(id: "present", kind: .assertion, parameters: ["key": "count"]),
            Action(id: "by_preconditions", kind: .assertion, preconditions: [Precondition(key: "count", op: "lt", value: 10)]),
            Action(id: "too_small", kind: .assertion, parameters: ["key": "count", "operator": "gt", "value": 5], failureBehavior: .skip),
            Action(id: "empty", kind: .assertion, failureBehavior: .skip),
            Action(id: "weird_op", kind: .assertion, parameters: ["key": "count", "operator": "roughly", "value": 3], failureBehavior: .skip),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.succeeded, .succeeded, .succeeded, .failed, .failed, .failed])
        #expect(result.error("too_small") == "assertion failed: 'count' is Number(3), need gt Number(5)")
        #expect(result.error("empty") == "assertion has nothing to check: give parameters.key or preconditions")
        #expect(result.error("weird_op")?.contains("unknown operator 'roughly'") == true)
        #expect(result.cost.actionsExecuted == 6)
    }

    @Test func aFullStoreFailsTheWritingAction() async throws {
        let runtime = Runtime(eventLog: try EventLog(journalPath: nil), state: StateStore(maxKeys: 1))
        let actions = [
            Action(id: "first", kind: .stateWrite, parameters: ["key": "a", "value": 1]),
            Action(id: "second", kind: .stateWrite, parameters: ["key": "b", "value": 2], dependencies: ["first"]),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: FakeInvoker())
        #expect(result.results.map(\.status) == [.succeeded, .failed])
        #expect(result.error("second")?.hasPrefix("state write 'b' failed: state store is full") == true)
    }

    @Test func malformedStateActionsFail() async throws {
        let runtime = try Fixture.runtime()
        let actions = [
            Action(id: "no_key", kind: .stateWrite, parameters: ["value": 1], failureBehavior: .skip),
            Action(id: "bad_key", kind: .stateWrite, parameters: ["key": 5], failureBehavior: .skip),
            Action(id: "effects_only", kind: .stateWrite, expectedEffects: ["k": 1]),
            Action(id: "read_nothing", kind: .stateRead, failureBehavior: .skip),
            Action(id: "reserved", kind: .stateWrite, parameters: ["key": "tenant:x:k", "value": 1], failureBehavior: .skip),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: FakeInvoker())
        #expect(result.results.map(\.status) == [.failed, .failed, .succeeded, .failed, .failed])
        #expect(runtime.state.get("k", tenant: nil) == 1)
        #expect(runtime.state.keys(tenant: "x").isEmpty)
    }
}
