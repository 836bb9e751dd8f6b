import CarEngine
import CarIR
import CarJSON
import Testing

@Suite("executor: events and result shape")
struct ExecutorEventTests {
    @Test func aProposalIsJournaledAsItRuns() async throws {
        let path = Fixture.temporaryDirectory() + "/client.jsonl"
        let runtime = try Fixture.runtime(journal: path)
        let invoker = FakeInvoker()
        let proposal = ActionProposal(id: "p1", source: "model-x", actions: [Fixture.call("a1", effects: ["done": true])], context: ["why": "test"])
        let scope = RuntimeScope(callerID: "alice", tenantID: "acme")
        _ = await runtime.execute(proposal, session: nil, scope: scope, invoker: invoker)
        runtime.eventLog.close()

        let events = try Fixture.lines(of: path).dropLast().map { try JSONParser.parse($0) }
        #expect(events.compactMap { $0["kind"]?.stringValue } == [
            "proposal_received", "action_started", "tool_callback_sent", "tool_callback_answered",
            "state_changed", "action_succeeded", "proposal_completed",
        ])
        #expect(events.map { $0["seq"] } == (1...7).map { JSONValue.int($0) })
        #expect(events.allSatisfy { $0["proposal_id"] == "p1" })
        #expect(events.allSatisfy { $0["data"]?["caller"] == "alice" && $0["data"]?["tenant"] == "acme" })
        #expect(events[0]["data"]?["source"] == "model-x")
        #expect(events[0]["data"]?["context"] == ["why": "test"])
        #expect(events[2]["data"]?["tool"] == "echo")
        #expect(events[2]["data"]?["attempt"] == 1)
        #expect(events[4]["data"]?["key"] == "done")
        #expect(events[6]["data"]?["outcome"] == "completed")
        #expect(events[6]["data"]?["succeeded"] == 1)
    }

    @Test func callsCarryTheActionsTimeoutAndParameters() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker()
        var action = Fixture.call("a", "fetch", ["url": "https://example.invalid"])
        action.timeoutMs = 1_500
        _ = await runtime.execute(Fixture.proposal([action]), session: nil, scope: nil, invoker: invoker)
        #expect(invoker.calls == [ToolCall(actionID: "a", tool: "fetch", parameters: ["url": "https://example.invalid"], timeoutMs: 1_500, attempt: 1)])
    }

    @Test func theResultHasTheWireShape() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in call.actionID == "a" ? .success(["echoed": "hi"]) : .failure("bad") }
        let result = await runtime.execute(Fixture.proposal([Fixture.call("a"), Fixture.call("b", after: ["a"])]),
                                           session: nil, scope: nil, invoker: invoker)
        let json = result.json
        #expect(json["proposal_id"] == "p1")
        let first = try #require(json["results"]?[0])
        #expect(first["action_id"] == "a")
        #expect(first["status"] == "succeeded")
        #expect(first["output"] == ["echoed": "hi"])
        #expect(first["error"] == .null)
        #expect(first["state_changes"] == [:])
        #expect(first["duration_ms"]?.doubleValue != nil)
        #expect(RFC3339.parse(try #require(first["timestamp"]?.stringValue)) != nil)
        #expect(json["results"]?[1]?["status"] == "failed")
        #expect(json["results"]?[1]?["error"] == "bad")
        let cost = try #require(json["cost"]?.objectValue)
        #expect(Set(cost.keys) == ["tool_calls", "actions_executed", "actions_rejected", "actions_skipped", "total_duration_ms", "retries"])
        #expect(cost["tool_calls"] == 2)
        #expect(cost["actions_executed"] == 2)
    }

    @Test func anEmptyProposalCompletesWithNothing() async throws {
        let runtime = try Fixture.runtime()
        let result = await runtime.execute(Fixture.proposal([]), session: nil, scope: nil, invoker: FakeInvoker())
        #expect(result.results.isEmpty)
        #expect(result.cost.actionsExecuted == 0)
        #expect(runtime.eventLog.query(EventQuery()).map(\.kind) == [.proposalCompleted, .proposalReceived])
    }

    @Test func cancellingTheCallerSkipsWhatHasNotStarted() async throws {
        let runtime = try Fixture.runtime()
        let started = Rendezvous(parties: 2)
        let invoker = FakeInvoker { call in
            if call.actionID == "first" {
                _ = await started.arrive()
                // Stands in for an invoker that notices cancellation and gives up.
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(1)) }
                return .failure("cancelled")
            }
            return .success(true)
        }
        let task = Task {
            await runtime.execute(Fixture.proposal([Fixture.call("first", behavior: .skip), Fixture.call("second", after: ["first"])]),
                                  session: nil, scope: nil, invoker: invoker)
        }
        _ = await started.arrive()
        task.cancel()
        let result = await task.value
        #expect(result.status("first") == .failed)
        #expect(result.status("second") == .skipped)
        #expect(result.error("second") == "skipped: proposal cancelled")
    }
}
