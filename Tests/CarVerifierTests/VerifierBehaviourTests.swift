@testable import CarVerifier
import CarIR
import CarJSON
import Testing

@Suite("verifier behaviour")
struct VerifierBehaviourTests {
    private func read(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test func verifyAppliesBlockedEffectsAndSimulateDropsThem() throws {
        let proposal = try ActionProposal(json: read(#"""
            {"actions":[
              {"id":"deploy","type":"tool_call","tool":"deploy","preconditions":[{"key":"approved","operator":"eq","value":true}],"expected_effects":{"deployed":true}},
              {"id":"notify","type":"tool_call","tool":"notify","state_dependencies":["deployed"],"expected_effects":{"notified":true}},
              {"id":"other","type":"tool_call","tool":"other","expected_effects":{"other":1}}]}
            """#))
        let report = Verifier.verify(proposal)
        #expect(report.issues.map(\.actionID) == ["deploy"])
        #expect(report.simulatedState == ["deployed": true, "notified": true, "other": 1])
        #expect(Verifier.simulate(proposal) == ["other": 1])
    }

    @Test func noRegistrySkipsToolChecksAnEmptyOneRejectsEveryTool() throws {
        let proposal = try ActionProposal(json: read(#"{"actions":[{"id":"a","type":"tool_call","tool":"echo","parameters":{"msg":1}}]}"#))
        let unregistered = Verifier.verify(proposal)
        #expect(unregistered.valid)
        #expect(unregistered.evidence.checks.filter(\.ran).map(\.name) == ["resource_bounds", "loop_detection", "preconditions", "state_dependencies", "write_conflicts"])
        let empty = Verifier.verify(proposal, tools: [])
        #expect(empty.issues.map(\.message) == ["tool 'echo' is not registered"])
        let typed = Verifier.verify(proposal, tools: [ToolSchema(name: "echo", parameters: ["properties": ["msg": ["type": "string"]], "required": ["msg"]])])
        #expect(typed.issues.map(\.message) == ["tool 'echo': parameter 'msg' has wrong type: expected string, got number"])
    }

    @Test func theActionBudgetIsAWarningOnTheFirstAction() throws {
        let actions = (0..<3).map { Action(id: "s\($0)", kind: .stateWrite, parameters: ["key": .string("k\($0)"), "value": 1]) }
        let report = Verifier.verify(ActionProposal(id: "p", actions: actions), maxActions: 2)
        #expect(report.valid)
        #expect(report.issues == [VerifyIssue(actionID: "s0", severity: .warning, message: "excessive actions: 3 (limit 2)")])
        #expect(report.evidence.checks[0].verifies == "action count is within the limit (2)")
    }

    @Test func rollbackFieldsAreReadFromJSONAndRejectedWhenMalformed() throws {
        let json = try read(#"{"actions":[{"id":"a","type":"tool_call","tool":"db","reversibility":"compensable"},{"id":"b","type":"tool_call","tool":"db","parameters":{"n":2},"compensation":{"type":"action_ref","action_id":"ghost"}}]}"#)
        let report = try Verifier.verify(json: json)
        #expect(Set(report.issues.map(\.message)) == [
            "action declares reversibility 'compensable' but no compensation",
            "compensation references action 'ghost', which is not in this proposal",
        ])
        // The model alone does not carry these fields, so that entry point cannot see them.
        #expect(Verifier.verify(try ActionProposal(json: json)).valid)

        for bad in [#"{"reversibility":"sometimes"}"#, #"{"reversibility":null}"#, #"{"compensation":{"type":"tool"}}"#,
                    #"{"compensation":{"type":"undo"}}"#, #"{"compensation":"x"}"#, #"{"compensation":{"type":"tool","tool":"t","parameters":null}}"#] {
            #expect(throws: ProposalError.self, "\(bad)") { try RollbackClaim(json: try read(bad), path: "proposal.actions[0]") }
        }
        #expect(try RollbackClaim(json: read(#"{"compensation":null}"#), path: "p") == .unclassified)
    }

    @Test func theWireShapeUsesSnakeCaseAndTierNames() throws {
        let proposal = try ActionProposal(json: read(#"{"actions":[{"id":"a","type":"tool_call","tool":"t"},{"id":"b","type":"tool_call","tool":"t"}]}"#))
        let json = Verifier.verify(proposal).json
        #expect(Set(json.objectValue?.keys ?? [:].keys) == ["valid", "issues", "simulated_state", "execution_levels", "conflicts", "evidence"])
        #expect(json["issues"]?[0] == ["action_id": "proposal", "severity": "warning", "message": "duplicate tool call: t (2x)", "tier": "heuristic"])
        #expect(json["execution_levels"] == [["a", "b"]])
        let evidence = try #require(json["evidence"])
        #expect(Set(evidence.objectValue?.keys ?? [:].keys) == ["checks", "assumptions", "untested_regions", "residual_risks", "confidence"])
        #expect(Set(evidence["checks"]?[0]?.objectValue?.keys ?? [:].keys) == ["name", "ran", "verifies", "cannot_verify", "findings", "tier"])
        #expect(evidence["checks"]?[1]?["tier"] == "heuristic")
    }

    /// Coverage drops for what a missing registry leaves unchecked, then per untested region
    /// (capped at 0.25) and per warning (capped at 0.2).
    @Test func confidenceChargesAreCapped() {
        let calls = (0..<40).map { Action(id: "a\($0)", kind: .toolCall, tool: "t\($0)") }
        #expect(abs(Verifier.verify(ActionProposal(id: "p", actions: calls)).evidence.confidence - 0.35) < 1e-9)
        let writes = (0..<8).map { Action(id: "s\($0)", kind: .stateWrite, parameters: ["key": "k"]) }
        #expect(abs(Verifier.verify(ActionProposal(id: "p", actions: writes)).evidence.confidence - 0.8) < 1e-9)
        #expect(Verifier.verify(ActionProposal(id: "p", actions: [])).evidence.confidence == 1)
    }
}
