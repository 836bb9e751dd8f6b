import CarIR
import CarJSON
import Testing

@Suite("proposal reader")
struct ProposalReaderTests {
    private func read(_ text: String) throws -> ActionProposal {
        try ActionProposal(json: JSONParser.parse(text))
    }

    @Test func appliesTheSpecDefaults() throws {
        let proposal = try read(#"{"actions":[{"type":"tool_call","tool":"echo","dependencies":[],"extra":1}]}"#)
        #expect(proposal.id.count == 12)
        #expect(proposal.source == "unknown")
        let action = try #require(proposal.actions.first)
        #expect(action.id.count == 12)
        #expect(action.kind == .toolCall)
        #expect(action.maxRetries == 3)
        #expect(action.failureBehavior == .abort)
        #expect(action.timeoutMs == nil)
        #expect(action.parameters.isEmpty)
    }

    @Test func namesTheOffendingField() {
        #expect(throws: ProposalError(path: "proposal.actions[1].max_retries", problem: "must be a non-negative integer no larger than 4294967295")) {
            try read(#"{"actions":[{"type":"assertion"},{"type":"tool_call","max_retries":-1}]}"#)
        }
        #expect(throws: ProposalError(path: "proposal.actions", problem: "is required")) { try read("{}") }
        #expect(throws: ProposalError.self) { try read(#"{"actions":[{"type":"bogus"}]}"#) }
        #expect(throws: ProposalError(path: "proposal.actions[0].preconditions[0].key", problem: "is required")) {
            try read(#"{"actions":[{"type":"assertion","preconditions":[{"operator":"eq"}]}]}"#)
        }
    }

    @Test func keepsTheOrderingEdges() throws {
        let proposal = try read(#"{"id":"p","actions":[{"id":"a","type":"state_write","expected_effects":{"k":1}},{"id":"b","type":"tool_call","tool":"t","state_dependencies":["k"],"dependencies":["a"],"preconditions":[{"key":"k","operator":"gte","value":1}]}]}"#)
        #expect(proposal.id == "p")
        #expect(proposal.actions[1].stateDependencies == ["k"])
        #expect(proposal.actions[1].dependencies == ["a"])
        #expect(proposal.actions[1].preconditions == [Precondition(key: "k", op: "gte", value: .int(1))])
        #expect(proposal.actions[0].expectedEffects == ["k": .int(1)])
    }
}
