import CarEngine
import CarIR
import CarJSON
import Testing

@Suite("executor: failures, retries and failure behavior")
struct ExecutorFailureTests {
    @Test func retriesCountAttemptsFromOne() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in
            call.attempt < 3 ? .failure("flaky #\(call.attempt)") : .success(["attempt": .int(Int64(call.attempt))])
        }
        let result = await runtime.execute(Fixture.proposal([Fixture.call("a", "flaky", behavior: .retry, retries: 5)]),
                                           session: nil, scope: nil, invoker: invoker)
        #expect(invoker.calls.map(\.attempt) == [1, 2, 3])
        #expect(result.status("a") == .succeeded)
        #expect(result.result(for: "a")?.output == ["attempt": 3])
        #expect(result.cost.retries == 2)
        #expect(result.cost.toolCalls == 3)
    }

    @Test func exhaustedRetriesFailAndAbort() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in
            call.tool == "flaky" ? .timedOut("tool 'flaky' callback timed out (1s)") : .success(true)
        }
        let actions = [Fixture.call("a", "flaky", behavior: .retry, retries: 2), Fixture.call("b", after: ["a"])]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(invoker.calls.map(\.attempt) == [1, 2, 3])
        #expect(result.status("a") == .failed)
        #expect(result.error("a") == "tool 'flaky' callback timed out (1s)")
        #expect(result.status("b") == .skipped)
        #expect(result.error("b") == "skipped: earlier action aborted the proposal")
        #expect(result.cost.retries == 2)
        #expect(result.cost == CostSummary(toolCalls: 3, actionsExecuted: 1, actionsRejected: 0, actionsSkipped: 1,
                                           totalDurationMs: result.cost.totalDurationMs, retries: 2))
        let timeouts = runtime.eventLog.query(EventQuery(kinds: [.toolCallbackTimedOut]))
        #expect(timeouts.map { $0.data["attempt"] } == [3, 2, 1])
    }

    @Test func withoutRetryBehaviorAFailureIsNotRetried() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { _ in .failure("boom") }
        let result = await runtime.execute(Fixture.proposal([Fixture.call("a", retries: 9)]), session: nil, scope: nil, invoker: invoker)
        #expect(invoker.calls.count == 1)
        #expect(result.error("a") == "boom")
        #expect(result.cost.retries == 0)
    }

    @Test func anErrorMemberInTheOutputIsAToolError() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in
            call.actionID == "a" ? .success(["error": "unknown tool: echo"]) : .success(["error": .null, "ok": true])
        }
        let result = await runtime.execute(Fixture.proposal([Fixture.call("a", behavior: .skip), Fixture.call("b")]),
                                           session: nil, scope: nil, invoker: invoker)
        #expect(result.status("a") == .failed)
        #expect(result.error("a") == "unknown tool: echo")
        #expect(result.result(for: "a")?.output == .null)
        #expect(result.status("b") == .succeeded, "a null error is no error")
    }

    @Test func abortStopsDispatchButLetsInFlightActionsFinish() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in
            switch call.actionID {
            case "bad": return .failure("broken")
            case "slow":
                // Finish only once `bad` has failed, so the abort lands while this is in flight.
                for _ in 0..<2_000 {
                    if !runtime.eventLog.query(EventQuery(kinds: [.actionFailed], actionID: "bad")).isEmpty { break }
                    try? await Task.sleep(for: .milliseconds(1))
                }
                try? await Task.sleep(for: .milliseconds(20))
                return .success("done")
            default: return .success(true)
            }
        }
        let actions = [Fixture.call("bad"), Fixture.call("slow"), Fixture.call("next", after: ["slow"])]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.failed, .succeeded, .skipped])
        #expect(!invoker.calls.contains { $0.actionID == "next" })
        let skipped = runtime.eventLog.query(EventQuery(kinds: [.actionSkipped]))
        #expect(skipped.first?.data["aborted_by"] == "bad")
    }

    @Test func skipContinuesWithIndependentWorkAndRejectsDependents() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in call.actionID == "optional" ? .failure("not today") : .success(true) }
        let actions = [
            Fixture.call("optional", behavior: .skip),
            Fixture.call("needs_optional", after: ["optional"], behavior: .skip),
            Fixture.call("independent"),
            Fixture.call("after_independent", after: ["independent"]),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.failed, .rejected, .succeeded, .succeeded])
        #expect(result.error("needs_optional") == "dependency 'optional' did not succeed (failed)")
        #expect(result.cost == CostSummary(toolCalls: 3, actionsExecuted: 3, actionsRejected: 1, actionsSkipped: 0,
                                           totalDurationMs: result.cost.totalDurationMs, retries: 0))
    }

    @Test func aRejectedDependentWithAbortStopsTheProposal() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in
            switch call.actionID {
            case "optional": return .failure("no")
            case "slow":
                // Still in flight when `strict` is rejected.
                for _ in 0..<2_000 {
                    if !runtime.eventLog.query(EventQuery(kinds: [.actionRejected], actionID: "strict")).isEmpty { break }
                    try? await Task.sleep(for: .milliseconds(1))
                }
                try? await Task.sleep(for: .milliseconds(20))
                return .success(true)
            default: return .success(true)
            }
        }
        // As in the test above, except `strict` keeps the default `abort`.
        let actions = [
            Fixture.call("optional", behavior: .skip),
            Fixture.call("strict", after: ["optional"]),
            Fixture.call("slow"),
            Fixture.call("after_slow", after: ["slow"]),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.failed, .rejected, .succeeded, .skipped])
        #expect(!invoker.calls.contains { $0.actionID == "after_slow" })
    }

    @Test func aClosedChannelEndsTheProposalAtOnce() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in call.actionID == "first" ? .channelClosed : .success(true) }
        // Even `retry` and `skip` give way: nothing can reach the client any more.
        let actions = [
            Fixture.call("first", behavior: .retry, retries: 5),
            Fixture.call("second", after: ["first"], behavior: .skip),
            Fixture.call("third", after: ["second"], behavior: .skip),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(invoker.calls.count == 1)
        #expect(result.status("first") == .failed)
        #expect(result.error("first") == "callback channel closed")
        #expect(result.results.dropFirst().map(\.status) == [.skipped, .skipped])
        #expect(result.error("second") == "skipped: callback channel closed")
        #expect(result.cost.retries == 0)
        let completed = try #require(runtime.eventLog.query(EventQuery(kinds: [.proposalCompleted])).first)
        #expect(completed.data["outcome"] == "channel_closed")
    }

    @Test func aClosedChannelStopsSkipBehaviorFromContinuing() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in call.actionID == "first" ? .channelClosed : .success(true) }
        let actions = [Fixture.call("first", behavior: .skip), Fixture.call("after_gate", after: ["gate"]), Fixture.call("gate", after: ["first"], behavior: .skip)]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.failed, .skipped, .skipped])
    }
}
