import CarJSON

extension VerificationReport {
    /// The wire shape: `{valid, issues[{action_id, severity, message, tier}], simulated_state,
    /// execution_levels, conflicts, evidence{checks, assumptions, untested_regions,
    /// residual_risks, confidence}}`.
    public var json: JSONValue {
        .object([
            "valid": .bool(valid),
            "issues": .array(issues.map(\.json)),
            "simulated_state": .object(simulatedState),
            "execution_levels": .array(executionLevels.map { .array($0.map(JSONValue.string)) }),
            "conflicts": .array(conflicts.map { .array($0.map(JSONValue.string)) }),
            "evidence": evidence.json,
        ])
    }
}

extension VerifyIssue {
    public var json: JSONValue {
        .object([
            "action_id": .string(actionID),
            "severity": .string(severity.rawValue),
            "message": .string(message),
            "tier": .string(tier.rawValue),
        ])
    }
}

extension VerificationEvidence {
    public var json: JSONValue {
        .object([
            "checks": .array(checks.map(\.json)),
            "assumptions": .array(assumptions.map(JSONValue.string)),
            "untested_regions": .array(untestedRegions.map(JSONValue.string)),
            "residual_risks": .array(residualRisks.map(JSONValue.string)),
            "confidence": .double(confidence),
        ])
    }
}

extension CheckRecord {
    public var json: JSONValue {
        .object([
            "name": .string(name),
            "ran": .bool(ran),
            "verifies": .string(verifies),
            "cannot_verify": .string(cannotVerify),
            "findings": .int(Int64(findings)),
            "tier": .string(tier.rawValue),
        ])
    }
}
