@testable import CarVerifier
import CarIR
import CarJSON
import Testing

/// The differential test: every corpus case against the reference's recorded answer.
@Suite("verifier corpus")
struct CorpusTests {
    @Test func theCorpusIsThere() {
        let files = CorpusCase.fileNames
        #expect(files.count >= 60, "expected at least 60 corpus files in \(CorpusCase.directory.path), found \(files.count)")
    }

    @Test("matches the reference", arguments: CorpusCase.fileNames)
    func matchesTheReference(file: String) throws {
        let corpus = try CorpusCase.load(file)
        if corpus.expectedReaderError {
            #expect(throws: ProposalError.self, "\(file): the reference rejects this proposal, so must we") {
                _ = try Verifier.verify(json: corpus.proposal, initialState: corpus.initialState, tools: corpus.tools, maxActions: corpus.maxActions)
            }
            return
        }
        if let reason = corpus.deliberateDifference {
            // Asserted against `expected_ours`; the reason is part of every failure message.
            Issue.record(Comment(rawValue: "\(file) differs from the reference on purpose: \(reason)"), severity: .warning)
        }
        let report = try Verifier.verify(json: corpus.proposal, initialState: corpus.initialState, tools: corpus.tools, maxActions: corpus.maxActions)
        let expected = corpus.expected
        let simulated = Verifier.simulate(try ActionProposal(json: corpus.proposal), initialState: corpus.initialState)

        #expect(report.valid == expected["valid"]?.boolValue, "\(file): valid")
        #expect(issueMultiset(report.issues) == expectedIssueMultiset(expected), "\(file): issues")
        #expect(report.executionLevels == stringLists(expected["execution_levels"]), "\(file): execution_levels")
        #expect(report.conflicts.sorted(by: lexicographic) == stringLists(expected["conflicts"]).sorted(by: lexicographic), "\(file): conflicts")
        #expect(JSONValue.object(report.simulatedState) == expected["simulated_state"], "\(file): simulated_state")
        #expect(JSONValue.object(simulated) == expected["simulate"], "\(file): simulate")
        #expect(checkSummary(report.evidence.checks) == expectedChecks(expected), "\(file): evidence checks (name, ran, findings)")
        // Every finding is counted by exactly one check.
        #expect(report.evidence.checks.reduce(0) { $0 + $1.findings } == report.issues.count, "\(file): findings add up to the issues")
    }

    /// Without rollback fields the model entry point must answer exactly as the JSON one.
    @Test("model entry point agrees", arguments: CorpusCase.fileNames)
    func modelEntryPointAgrees(file: String) throws {
        let corpus = try CorpusCase.load(file)
        guard !corpus.expectedReaderError, !mentionsRollback(corpus.proposal) else { return }
        let proposal = try ActionProposal(json: corpus.proposal)
        let viaModel = Verifier.verify(proposal, initialState: corpus.initialState, tools: corpus.tools, maxActions: corpus.maxActions)
        let viaJSON = try Verifier.verify(json: corpus.proposal, initialState: corpus.initialState, tools: corpus.tools, maxActions: corpus.maxActions)
        #expect(viaModel.json == viaJSON.json, "\(file): verify(_:) and verify(json:) disagree")
    }

    // MARK: - Comparison helpers

    private func issueMultiset(_ issues: [VerifyIssue]) -> [[String]] {
        issues.map { [$0.actionID, $0.severity.rawValue, $0.tier.rawValue, $0.message] }.sorted(by: lexicographic)
    }

    private func expectedIssueMultiset(_ expected: JSONValue) -> [[String]] {
        (expected["issues"]?.arrayValue ?? []).map { issue in
            ["action_id", "severity", "tier", "message"].map { issue[$0]?.stringValue ?? "<missing>" }
        }.sorted(by: lexicographic)
    }

    private func stringLists(_ value: JSONValue?) -> [[String]] {
        (value?.arrayValue ?? []).map { ($0.arrayValue ?? []).map { $0.stringValue ?? "<non-string>" } }
    }

    private func checkSummary(_ checks: [CheckRecord]) -> [String] {
        checks.map { "\($0.name) ran=\($0.ran) findings=\($0.findings)" }
    }

    private func expectedChecks(_ expected: JSONValue) -> [String] {
        (expected["checks"]?.arrayValue ?? []).map { check in
            "\(check["name"]?.stringValue ?? "?") ran=\(check["ran"]?.boolValue ?? false) findings=\(check["findings"]?.intValue ?? -1)"
        }
    }

    private func lexicographic(_ left: [String], _ right: [String]) -> Bool {
        left.lexicographicallyPrecedes(right) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private func mentionsRollback(_ proposal: JSONValue) -> Bool {
        (proposal["actions"]?.arrayValue ?? []).contains { $0["reversibility"] != nil || $0["compensation"] != nil }
    }
}
