@testable import CarVerifier
import CarIR
import CarJSON
import Testing

/// The differential test: every corpus case against the reference's recorded answer
/// (scripts/verify-corpus/record.py keeps those answers current).
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
        var label = file
        if let reason = corpus.deliberateDifference {
            // Our own documented answer is asserted instead; it must still be one the reference
            // has given, or the difference is more than the file claims.
            label = "\(file) (deliberate difference: \(reason))"
            #expect(corpus.referenceAnswers.contains(corpus.expected), "\(label): expected_ours is none of the reference's recorded answers")
        }
        let report = try Verifier.verify(json: corpus.proposal, initialState: corpus.initialState, tools: corpus.tools, maxActions: corpus.maxActions)
        let simulated = Verifier.simulate(try ActionProposal(json: corpus.proposal), initialState: corpus.initialState)
        compare(report, simulated, with: corpus.expected, label: label)
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

    // MARK: - Comparison

    private func compare(_ report: VerificationReport, _ simulated: [String: JSONValue], with expected: JSONValue, label: String) {
        #expect(report.valid == expected["valid"]?.boolValue, "\(label): valid")
        // The reference lists issues and conflicts in hash order, so order is not compared.
        #expect(issueMultiset(report.issues) == expectedIssueMultiset(expected), "\(label): issues")
        #expect(report.executionLevels == stringLists(expected["execution_levels"]), "\(label): execution_levels")
        #expect(report.conflicts.sorted(by: lexicographic) == stringLists(expected["conflicts"]).sorted(by: lexicographic), "\(label): conflicts")
        #expect(JSONValue.object(report.simulatedState) == expected["simulated_state"], "\(label): simulated_state")
        #expect(JSONValue.object(simulated) == expected["simulate"], "\(label): simulate")
        #expect(checkSummary(report.evidence.checks) == expectedChecks(expected), "\(label): evidence checks (name, ran, findings)")
        #expect(report.evidence.checks.reduce(0) { $0 + $1.findings } == report.issues.count, "\(label): findings add up to the issues")

        let evidence = expected["evidence"]
        #expect(report.evidence.assumptions == strings(evidence?["assumptions"]), "\(label): evidence assumptions")
        #expect(report.evidence.untestedRegions == strings(evidence?["untested_regions"]), "\(label): evidence untested_regions")
        #expect(report.evidence.residualRisks == strings(evidence?["residual_risks"]), "\(label): evidence residual_risks")
        let confidence = evidence?["confidence"]?.doubleValue ?? .nan
        #expect(abs(report.evidence.confidence - confidence) < 1e-9, "\(label): evidence confidence \(report.evidence.confidence) vs \(confidence)")
    }

    private func issueMultiset(_ issues: [VerifyIssue]) -> [[String]] {
        issues.map { [$0.actionID, $0.severity.rawValue, $0.tier.rawValue, $0.message] }.sorted(by: lexicographic)
    }

    private func expectedIssueMultiset(_ expected: JSONValue) -> [[String]] {
        (expected["issues"]?.arrayValue ?? []).map { issue in
            ["action_id", "severity", "tier", "message"].map { issue[$0]?.stringValue ?? "<missing>" }
        }.sorted(by: lexicographic)
    }

    private func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).map { $0.stringValue ?? "<non-string>" }
    }

    private func stringLists(_ value: JSONValue?) -> [[String]] {
        (value?.arrayValue ?? []).map { strings($0) }
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
