import CarJSON

/// What `verify` concludes about a proposal (agent-ir-spec.md, "Verification result").
public struct VerificationReport: Sendable {
    /// False exactly when some issue is an error.
    public var valid: Bool
    public var issues: [VerifyIssue]
    /// The state after the forward walk, with every action's declared effects applied, blocked
    /// ones included (see `Verifier.simulate` for the executor's view).
    public var simulatedState: [String: JSONValue]
    /// Action ids layered so that everything an action waits for sits in an earlier layer.
    public var executionLevels: [[String]]
    /// `[action_a, action_b, key]`: two actions write `key` and neither declares reading it.
    public var conflicts: [[String]]
    public var evidence: VerificationEvidence

    public init(
        valid: Bool, issues: [VerifyIssue], simulatedState: [String: JSONValue], executionLevels: [[String]],
        conflicts: [[String]], evidence: VerificationEvidence
    ) {
        self.valid = valid
        self.issues = issues
        self.simulatedState = simulatedState
        self.executionLevels = executionLevels
        self.conflicts = conflicts
        self.evidence = evidence
    }
}

/// The verifier's declared scope: which checks ran, what a pass does and does not establish,
/// and what the verdict rests on. `confidence` is a 0–1 coverage signal, not a probability.
public struct VerificationEvidence: Sendable, Hashable {
    public var checks: [CheckRecord]
    public var assumptions: [String]
    public var untestedRegions: [String]
    public var residualRisks: [String]
    public var confidence: Double

    public init(checks: [CheckRecord], assumptions: [String], untestedRegions: [String], residualRisks: [String], confidence: Double) {
        self.checks = checks
        self.assumptions = assumptions
        self.untestedRegions = untestedRegions
        self.residualRisks = residualRisks
        self.confidence = confidence
    }
}

/// One check of the verifier and what it contributed.
public struct CheckRecord: Sendable, Hashable {
    public var name: String
    /// False when the inputs did not allow the check (no registry, nothing it applies to).
    public var ran: Bool
    public var verifies: String
    public var cannotVerify: String
    /// How many issues this check produced.
    public var findings: Int
    public var tier: EvidenceTier

    public init(name: String, ran: Bool, verifies: String, cannotVerify: String, findings: Int, tier: EvidenceTier) {
        self.name = name
        self.ran = ran
        self.verifies = verifies
        self.cannotVerify = cannotVerify
        self.findings = findings
        self.tier = tier
    }
}
