import CarEngine
import CarIR
import CarJSON
import Testing

@Suite("executor: policies, registration and admission")
struct ExecutorGateTests {
    @Test func aPolicyRejectsBeforeTheToolIsCalled() async throws {
        let runtime = try Fixture.runtime()
        try runtime.policies.register(PolicyDefinition(name: "no_rm_rf", rule: "deny_tool_param", target: "shell", key: "command", pattern: "rm -rf"), scope: .global)
        let invoker = FakeInvoker()
        let actions = [Fixture.call("wipe", "shell", ["command": "rm -rf /"]), Fixture.call("after", after: ["wipe"])]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)

        #expect(invoker.calls.isEmpty)
        #expect(result.status("wipe") == .rejected)
        #expect(result.error("wipe") == "policy 'no_rm_rf' denied: param 'command' matches denied pattern 'rm -rf'")
        #expect(result.status("after") == .skipped)
        #expect(result.cost.actionsRejected == 1)
        #expect(result.cost.actionsExecuted == 0)

        let violation = try #require(runtime.eventLog.query(EventQuery(kinds: [.policyViolation])).first)
        #expect(violation.actionID == "wipe")
        #expect(violation.data["policy"] == "no_rm_rf")
        #expect(violation.data["reason"] == "param 'command' matches denied pattern 'rm -rf'")
        let rejected = try #require(runtime.eventLog.query(EventQuery(kinds: [.actionRejected])).first)
        #expect(rejected.data["policy"] == "no_rm_rf")
        #expect(rejected.seq > violation.seq)
        #expect(runtime.eventLog.query(EventQuery(kinds: [.actionStarted, .toolCallbackSent])).isEmpty)
    }

    @Test func policiesSeeInterpolatedParameters() async throws {
        let runtime = try Fixture.runtime()
        try runtime.policies.register(PolicyDefinition(name: "no_rm_rf", rule: "deny_tool_param", target: "shell", key: "command", pattern: "rm -rf"), scope: .global)
        let invoker = FakeInvoker { _ in .success(["cmd": "rm -rf /home"]) }
        let actions = [Fixture.call("plan"), Fixture.call("run", "shell", ["command": "$plan.output.cmd"])]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.status("run") == .rejected)
        #expect(invoker.calls.map(\.actionID) == ["plan"])
    }

    @Test func aSkipActionRejectedByPolicyLetsTheRestRun() async throws {
        let runtime = try Fixture.runtime()
        try runtime.policies.register(PolicyDefinition(name: "no_fetch", rule: "deny_tool", target: "fetch"), scope: .global)
        let invoker = FakeInvoker()
        let actions = [Fixture.call("f", "fetch", behavior: .skip), Fixture.call("e", after: ["x"]), Fixture.call("x")]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.rejected, .succeeded, .succeeded])
    }

    @Test func retryBehaviorOnARejectionIsTreatedAsAbort() async throws {
        let runtime = try Fixture.runtime()
        try runtime.policies.register(PolicyDefinition(name: "no_fetch", rule: "deny_tool", target: "fetch"), scope: .global)
        let invoker = FakeInvoker()
        let actions = [Fixture.call("f", "fetch", behavior: .retry), Fixture.call("g", after: ["f"], behavior: .skip)]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.rejected, .skipped])
        #expect(invoker.calls.isEmpty)
    }

    @Test func sessionPoliciesApplyOnlyToProposalsNamingTheSession() async throws {
        let runtime = try Fixture.runtime()
        let session = try runtime.policies.openSession()
        try runtime.policies.register(PolicyDefinition(name: "session_no_echo", rule: "deny_tool", target: "echo"), scope: .session(session))
        let invoker = FakeInvoker()
        let plain = await runtime.execute(Fixture.proposal([Fixture.call("a")]), session: nil, scope: nil, invoker: invoker)
        #expect(plain.status("a") == .succeeded)
        let scoped = await runtime.execute(Fixture.proposal([Fixture.call("a")], id: "p2"), session: session, scope: nil, invoker: invoker)
        #expect(scoped.error("a") == "policy 'session_no_echo' denied: tool 'echo' is denied")
        #expect(invoker.calls.count == 1)
    }

    @Test func requireStateReadsTheLiveStateOfTheProposalsTenant() async throws {
        let runtime = try Fixture.runtime()
        try runtime.policies.register(PolicyDefinition(name: "tests_first", rule: "require_state", key: "tests_passed", value: true), scope: .global)
        let invoker = FakeInvoker()
        let actions = [
            Action(id: "mark", kind: .stateWrite, parameters: ["key": "tests_passed", "value": true]),
            Fixture.call("deploy", after: ["mark"]),
        ]
        // `mark` itself is refused: the state does not hold yet when it runs.
        let first = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(first.status("mark") == .rejected)

        try runtime.state.set("tests_passed", true, tenant: "t1")
        let tenant = RuntimeScope(tenantID: "t1")
        let second = await runtime.execute(Fixture.proposal(actions, id: "p2"), session: nil, scope: tenant, invoker: invoker)
        #expect(second.results.map(\.status) == [.succeeded, .succeeded])
        #expect(invoker.calls.count == 1)
    }

    @Test func unknownOrMissingToolsAreRejectedBeforeAnythingRuns() async throws {
        let runtime = try Fixture.runtime(tools: ["echo"])
        let invoker = FakeInvoker()
        let actions = [
            Fixture.call("ok"),
            Fixture.call("ghost", "teleport"),
            Action(id: "nameless", kind: .toolCall, failureBehavior: .skip),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.skipped, .rejected, .rejected])
        #expect(result.error("ghost") == "tool 'teleport' is not registered")
        #expect(result.error("nameless") == "tool_call action has no 'tool'")
        #expect(invoker.calls.isEmpty)

        // With `skip`, an unknown tool does not hold back the rest.
        let lenient = [Fixture.call("ok"), Fixture.call("ghost", "teleport", behavior: .skip)]
        let second = await runtime.execute(Fixture.proposal(lenient, id: "p2"), session: nil, scope: nil, invoker: invoker)
        #expect(second.results.map(\.status) == [.succeeded, .rejected])
    }

    @Test func proposalsAreAdmittedAsAWhole() async throws {
        let runtime = try Fixture.runtime(limits: ExecutionLimits(maxActions: 3))
        let invoker = FakeInvoker()

        let big = Fixture.proposal((1...4).map { Fixture.call("a\($0)") })
        #expect(throws: AdmissionError("proposal has 4 actions; at most 3 may be submitted at once")) { try runtime.admit(big, session: nil) }
        let result = await runtime.execute(big, session: nil, scope: nil, invoker: invoker)
        #expect(result.results.allSatisfy { $0.status == .rejected && $0.error == "proposal has 4 actions; at most 3 may be submitted at once" })

        let duplicated = Fixture.proposal([Fixture.call("a"), Fixture.call("a")])
        #expect(throws: AdmissionError("duplicate action id 'a': ids must be unique within a proposal")) { try runtime.admit(duplicated, session: nil) }

        #expect(throws: AdmissionError("unknown policy session 'nope'")) { try runtime.admit(Fixture.proposal([Fixture.call("a")]), session: "nope") }
        try runtime.admit(Fixture.proposal([Fixture.call("a")]), session: nil)
        #expect(invoker.calls.isEmpty)
    }

    @Test func aFailedPreconditionRejectsAndAnUnavailableStateDependencyToo() async throws {
        let runtime = try Fixture.runtime()
        try runtime.state.set("tests_passed", false, tenant: nil)
        let invoker = FakeInvoker()
        let actions = [
            Fixture.call("deploy", behavior: .skip, preconditions: [Precondition(key: "tests_passed", op: "eq", value: true, description: "tests must pass")]),
            Fixture.call("publish", behavior: .skip, reads: ["artifact"]),
            Fixture.call("fine", preconditions: [Precondition(key: "tests_passed", op: "exists")]),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.rejected, .rejected, .succeeded])
        #expect(result.error("deploy") == "precondition failed: tests must pass: 'tests_passed' is Bool(false), need Bool(true)")
        #expect(result.error("publish") == "state dependency 'artifact' is not available")
        #expect(invoker.calls.map(\.actionID) == ["fine"])
    }
}
