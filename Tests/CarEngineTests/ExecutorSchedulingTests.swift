import CarEngine
import CarIR
import CarJSON
import Testing

@Suite("executor: scheduling")
struct ExecutorSchedulingTests {
    @Test func independentActionsRunAtTheSameTime() async throws {
        let runtime = try Fixture.runtime()
        let rendezvous = Rendezvous(parties: 3)
        let invoker = FakeInvoker { _ in .success(["met": .bool(await rendezvous.arrive())]) }
        let result = await runtime.execute(Fixture.proposal([Fixture.call("a"), Fixture.call("b"), Fixture.call("c")]),
                                           session: nil, scope: nil, invoker: invoker)
        // Each call waits until all three are in flight: run one at a time, they time out instead.
        #expect(result.results.map(\.output) == [["met": true], ["met": true], ["met": true]])
        #expect(invoker.peakInFlight == 3)
        #expect(result.cost.toolCalls == 3)
        #expect(result.cost.actionsExecuted == 3)
    }

    @Test func inFlightActionsAreBounded() async throws {
        let runtime = try Fixture.runtime(limits: ExecutionLimits(maxConcurrentActions: 2))
        let rendezvous = Rendezvous(parties: 2)
        let invoker = FakeInvoker { _ in
            _ = await rendezvous.arrive()
            try? await Task.sleep(for: .milliseconds(5))
            return .success(true)
        }
        let actions = (1...6).map { Fixture.call("a\($0)") }
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.allSatisfy { $0.status == .succeeded })
        #expect(invoker.peakInFlight == 2)
    }

    @Test func dependenciesAreRespected() async throws {
        let runtime = try Fixture.runtime()
        let timeline = Timeline()
        let invoker = FakeInvoker { call in
            timeline.note("start \(call.actionID)")
            try? await Task.sleep(for: .milliseconds(2))
            timeline.note("end \(call.actionID)")
            return .success(.string(call.actionID))
        }
        // Listed out of order on purpose: the edges, not the list, decide.
        let actions = [
            Fixture.call("write_report", after: ["read_readme"]),
            Fixture.call("read_readme", after: ["ls"]),
            Fixture.call("ls"),
            Fixture.call("side"),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.actionID) == ["write_report", "read_readme", "ls", "side"], "results keep proposal order")
        #expect(result.results.allSatisfy { $0.status == .succeeded })
        let position = { (entry: String) in timeline.index(of: entry) ?? -1 }
        #expect(position("end ls") < position("start read_readme"))
        #expect(position("end read_readme") < position("start write_report"))
    }

    @Test func stateDependenciesWaitForTheirWriter() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in .success(["seen": runtime.state.get("artifact", tenant: nil) ?? .null]) }
        let actions = [
            Action(id: "build", kind: .stateWrite, parameters: ["key": "artifact", "value": "v1.tar"]),
            Fixture.call("deploy", reads: ["artifact"]),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.result(for: "deploy")?.output == ["seen": "v1.tar"])
    }

    @Test func outputsAreInterpolatedAndImplyOrdering() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in
            switch call.actionID {
            case "ls": return .success(["files": ["README.md", "main.py"], "dir": "/srv"])
            default: return .success(call.parameters)
            }
        }
        // No `dependencies`: the reference alone must order `read` after `ls`.
        let actions = [
            Fixture.call("read", "fetch", [
                "path": "$ls.output.dir/$ls.output.files.0",
                "files": "$ls.output.files",
                "all": "$ls.output",
                "literal": "costs $5",
            ]),
            Fixture.call("ls"),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.status("read") == .succeeded)
        let read = try #require(invoker.calls.first { $0.actionID == "read" })
        #expect(read.parameters["path"] == "/srv/README.md")
        #expect(read.parameters["files"] == ["README.md", "main.py"])
        #expect(read.parameters["all"] == ["files": ["README.md", "main.py"], "dir": "/srv"])
        #expect(read.parameters["literal"] == "costs $5")
        #expect(invoker.calls.map(\.actionID) == ["ls", "read"])
    }

    @Test func anUnresolvableReferenceRejectsTheAction() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { _ in .success(["name": "x"]) }
        let actions = [Fixture.call("a1"), Fixture.call("a2", "echo", ["v": "$a1.output.missing"])]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.status("a2") == .rejected)
        #expect(result.error("a2")?.hasPrefix("parameter interpolation failed: ") == true)
        #expect(invoker.calls.map(\.actionID) == ["a1"])
    }

    @Test func cyclesAndUnknownDependenciesAreRejectedBeforeAnythingRuns() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker()
        let actions = [
            Fixture.call("a", after: ["b"]),
            Fixture.call("b", after: ["a"]),
            Fixture.call("c", after: ["ghost"], behavior: .skip),
            Fixture.call("d"),
        ]
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.map(\.status) == [.rejected, .rejected, .rejected, .skipped])
        #expect(result.error("a")?.contains("dependency cycle") == true)
        #expect(result.error("c") == "unknown dependency 'ghost'")
        #expect(invoker.calls.isEmpty)
        #expect(result.cost.actionsRejected == 3)
        #expect(result.cost.actionsSkipped == 1)
    }
}

@Suite("executor: size")
struct ExecutorSizeTests {
    @Test func theLargestAdmittedProposalRunsToCompletion() async throws {
        let runtime = try Fixture.runtime()
        let invoker = FakeInvoker { call in .success(["n": .string(call.actionID)]) }
        // Half independent, half a chain each reading its predecessor's output.
        var actions = (0..<5_000).map { Fixture.call("free\($0)") }
        actions += (0..<5_000).map { index in
            index == 0 ? Fixture.call("link0") : Fixture.call("link\(index)", "echo", ["prev": .string("$link\(index - 1).output.n")])
        }
        let result = await runtime.execute(Fixture.proposal(actions), session: nil, scope: nil, invoker: invoker)
        #expect(result.results.count == 10_000)
        #expect(result.cost.actionsExecuted == 10_000)
        #expect(invoker.peakInFlight <= 64)
        #expect(invoker.calls.first { $0.actionID == "link4999" }?.parameters == ["prev": "link4998"])
    }
}
