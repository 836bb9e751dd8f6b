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

    /// Which members may be `null`, as car-runtime 0.58.0's verify answered for each one:
    /// only the reference's optional fields. `dependencies` is not read by the reference at
    /// all, so no value of it is refused.
    private static let nullable: Set<String> = ["actions[0].tool", "actions[0].timeout_ms", "actions[0].dependencies",
                                                "actions[0].preconditions[0].value"]
    private static let members = ["id", "source", "timestamp", "context", "actions[0].id", "actions[0].type", "actions[0].tool",
                                  "actions[0].parameters", "actions[0].preconditions", "actions[0].expected_effects",
                                  "actions[0].state_dependencies", "actions[0].dependencies", "actions[0].idempotent",
                                  "actions[0].max_retries", "actions[0].failure_behavior", "actions[0].timeout_ms",
                                  "actions[0].metadata", "actions[0].preconditions[0].key", "actions[0].preconditions[0].operator",
                                  "actions[0].preconditions[0].value", "actions[0].preconditions[0].description"]

    @Test(arguments: members)
    func nullIsRefusedExceptWhereTheReferenceTakesIt(_ member: String) throws {
        var precondition: [String: JSONValue] = ["key": "k", "operator": "eq", "value": 1, "description": "d"]
        var action: [String: JSONValue] = [
            "id": "a1", "type": "tool_call", "tool": "t", "parameters": ["x": 1], "expected_effects": [:], "state_dependencies": [],
            "dependencies": [], "idempotent": false, "max_retries": 3, "failure_behavior": "abort", "timeout_ms": 100, "metadata": [:],
        ]
        var proposal: [String: JSONValue] = ["id": "p1", "source": "s", "timestamp": "2026-01-01T00:00:00Z", "context": [:]]
        let field = String(member.split(separator: ".").last!)
        if member.hasPrefix("actions[0].preconditions[0].") { precondition[field] = .null }
        else if member.hasPrefix("actions[0].") { action[field] = .null }
        else { proposal[field] = .null }
        if action["preconditions"] == nil { action["preconditions"] = [.object(precondition)] }
        proposal["actions"] = [.object(action)]
        if Self.nullable.contains(member) {
            #expect(throws: Never.self) { _ = try ActionProposal(json: .object(proposal)) }
        } else {
            #expect(throws: ProposalError.self, "\(member): null must be refused") { _ = try ActionProposal(json: .object(proposal)) }
        }
    }

    @Test func anyTimestampTextIsKept() throws {
        // The reference's relaxed RFC 3339 reader accepts all of these; we refuse none of them.
        for accepted in ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+0200", " 2026-01-01T00:00:00Z", "2026-1-01T1:2:3Z",
                         "2026-01-01T00:00:00UTC", "2026-01-01T00:00:00 +02:00"] {
            #expect(try read(#"{"timestamp":"\#(accepted)","actions":[]}"#).timestamp == accepted)
        }
        #expect(throws: ProposalError.self) { try read(#"{"timestamp":5,"actions":[]}"#) }
    }

    @Test func dependenciesOfAnyShapeAreTolerated() throws {
        #expect(try read(#"{"actions":[{"type":"tool_call","tool":"t","dependencies":"a"}]}"#).actions[0].dependencies == [])
        #expect(try read(#"{"actions":[{"type":"tool_call","tool":"t","dependencies":["a",5,null]}]}"#).actions[0].dependencies == ["a"])
    }
}
