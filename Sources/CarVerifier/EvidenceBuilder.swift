import CarIR

/// Assembles the evidence bundle: one record per check, in the reference's order, plus what the
/// verdict assumes, which regions it could not test, and the residual risks.
struct EvidenceBuilder {
    struct Findings {
        var resourceBounds = 0
        var loops = 0
        var preconditions = 0
        var stateDependencies = 0
        var toolExistence = 0
        var parameterSchema = 0
        var compensation = 0
        var writeConflicts = 0
    }

    var maxActions: Int
    var hasRegistry: Bool
    var compensationRan: Bool
    var findings: Findings

    func build(actions: [Action], issues: [VerifyIssue]) -> VerificationEvidence {
        let hasToolCall = actions.contains { $0.kind == .toolCall }
        let hasToolessCall = actions.contains { $0.kind == .toolCall && $0.tool == nil }
        let toolExistenceRan = hasRegistry || hasToolessCall
        let toolExistenceScope = hasRegistry
            ? "every tool_call names a registered tool"
            : hasToolessCall
                ? "tool_call structural well-formedness (a tool is named); registry not supplied so existence unchecked"
                : "(skipped — no tool registry supplied)"

        let checks = [
            CheckRecord(name: "resource_bounds", ran: true, verifies: "action count is within the limit (\(maxActions))",
                        cannotVerify: "per-action cost, wall-clock time, or memory at runtime", findings: findings.resourceBounds, tier: .decisionProcedure),
            CheckRecord(name: "loop_detection", ran: true, verifies: "no identical tool call is repeated enough to look like a loop",
                        cannotVerify: "semantically redundant calls with differing arguments", findings: findings.loops, tier: .heuristic),
            CheckRecord(name: "preconditions", ran: true, verifies: "declared preconditions hold against the statically-known state",
                        cannotVerify: "preconditions over keys whose values are only known at runtime", findings: findings.preconditions, tier: .decisionProcedure),
            CheckRecord(name: "state_dependencies", ran: true, verifies: "each declared state dependency is produced before it is read",
                        cannotVerify: "undeclared reads — state a tool consumes without listing it", findings: findings.stateDependencies, tier: .decisionProcedure),
            CheckRecord(name: "tool_existence", ran: toolExistenceRan, verifies: toolExistenceScope,
                        cannotVerify: "whether the registered tool behaves as its name/description implies", findings: findings.toolExistence, tier: .decisionProcedure),
            CheckRecord(name: "param_schema", ran: hasRegistry,
                        verifies: hasRegistry ? "tool_call parameters match the registered JSON Schema (types + required)" : "(skipped — no tool schemas supplied; existence only)",
                        cannotVerify: "value-level constraints beyond type/required (ranges, formats, cross-field)", findings: findings.parameterSchema, tier: .decisionProcedure),
            CheckRecord(name: "compensation_resolution", ran: compensationRan,
                        verifies: "a declared compensation names a registered tool or an action in this proposal, and a `compensable` action declares one at all",
                        cannotVerify: "whether the named compensation actually undoes the effect — that it is the right inverse, and that it will still work later",
                        findings: findings.compensation, tier: .decisionProcedure),
            CheckRecord(name: "write_conflicts", ran: true, verifies: "concurrent writers to the same key declare an ordering dependency",
                        cannotVerify: "semantic conflicts — two actions whose effects are logically incompatible", findings: findings.writeConflicts, tier: .decisionProcedure),
        ]

        var assumptions = ["supplied initial-state values are accurate", "tool implementations honor their declared effects and side effects"]
        if hasToolCall && !hasRegistry {
            assumptions.append("tool_call parameters are well-formed (no schemas supplied to check them)")
        }

        // What only a real run can tell: each tool's output, and each key a tool call sets.
        // Built as byte spans in one buffer and sorted with memcmp over that buffer: this list is
        // most of the cost of a clean run, and sorting separate arrays paid reference counting on
        // every comparison.
        var text: [UInt8] = []
        var spans: [Span] = []
        for index in actions.indices where actions[index].kind == .toolCall {
            if let tool = actions[index].tool {
                spans.append(Self.region("runtime output of tool '", tool, "' (action ", actions[index].id, into: &text))
            }
            for key in actions[index].expectedEffects.keys {
                spans.append(Self.region("state key '", key, "' (value set at runtime by action ", actions[index].id, into: &text))
            }
        }
        var untestedRegions: [String] = []
        untestedRegions.reserveCapacity(spans.count)
        text.withUnsafeBufferPointer { base in
            func bytes(_ span: Span) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: base[span.start..<span.end]) }
            spans.sort { ReferenceText.precedes(bytes($0), bytes($1)) }
            for (offset, span) in spans.enumerated() where offset == 0 || !bytes(span).elementsEqual(bytes(spans[offset - 1])) {
                untestedRegions.append(String(decoding: bytes(span), as: UTF8.self))
            }
        }

        let warnings = issues.reduce(0) { $0 + ($1.severity == .warning ? 1 : 0) }
        var risks: [String] = []
        if findings.writeConflicts > 0 { risks.append("\(findings.writeConflicts) undeclared write conflict(s) — last-writer-wins at runtime") }
        if warnings > 0 { risks.append("\(warnings) warning(s) not blocking the verdict") }
        if !untestedRegions.isEmpty { risks.append("outcomes depending on runtime tool output or runtime-set state are unverified") }

        // Coverage, not likelihood: what the missing registry leaves unchecked, then a small
        // capped charge per untested region and per warning.
        var confidence = 1.0
        if hasToolCall && !hasRegistry {
            confidence -= 0.15
            confidence -= 0.2
        }
        confidence -= min(0.02 * Double(untestedRegions.count), 0.25)
        confidence -= min(0.05 * Double(warnings), 0.2)
        confidence = max(0, min(1, confidence))

        return VerificationEvidence(checks: checks, assumptions: assumptions, untestedRegions: untestedRegions,
                                    residualRisks: risks, confidence: confidence)
    }

    /// One region's text within the shared buffer.
    private struct Span {
        var start: Int
        var end: Int
    }

    private static func region(_ lead: StaticString, _ name: String, _ middle: StaticString, _ id: String,
                               into text: inout [UInt8]) -> Span {
        let start = text.count
        text.append(contentsOf: UnsafeBufferPointer(start: lead.utf8Start, count: lead.utf8CodeUnitCount))
        text.append(contentsOf: name.utf8)
        text.append(contentsOf: UnsafeBufferPointer(start: middle.utf8Start, count: middle.utf8CodeUnitCount))
        text.append(contentsOf: id.utf8)
        text.append(UInt8(ascii: ")"))
        return Span(start: start, end: text.count)
    }
}
