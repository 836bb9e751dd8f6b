import CarJSON

extension ActionProposal {
    /// Reads a proposal the way the reference runtime's serde types do: unknown fields are
    /// ignored, absent ones take the spec's defaults, and a present field of the wrong shape is
    /// an error naming its path (`actions[2].max_retries`). `null` is the wrong shape except
    /// where the reference field is optional (`tool`, `timeout_ms`, a precondition's `value`);
    /// probed field by field against car-runtime 0.58.0's `verify`.
    public init(json: JSONValue) throws(ProposalError) {
        guard let object = json.objectValue else { throw ProposalError(path: "proposal", problem: "must be an object") }
        let reader = FieldReader(object: object, path: "proposal")
        guard let actionValues = object["actions"] else { throw ProposalError(path: "proposal.actions", problem: "is required") }
        guard let actionList = actionValues.arrayValue else { throw ProposalError(path: "proposal.actions", problem: "must be an array") }
        var actions: [Action] = []
        actions.reserveCapacity(actionList.count)
        for (index, value) in actionList.enumerated() {
            actions.append(try Action(json: value, path: "proposal.actions[\(index)]"))
        }
        // The reference parses the timestamp with chrono's relaxed RFC 3339 reader (one-digit
        // fields, `+0200`, `UTC`, spaces); rather than refuse what it accepts, any string passes.
        let timestamp = try reader.string("timestamp")
        self.init(
            id: try reader.string("id") ?? Identifiers.hex12(),
            source: try reader.string("source") ?? "unknown",
            timestamp: timestamp,
            actions: actions,
            context: try reader.object("context").map(JSONValue.object)
        )
    }
}

extension Action {
    init(json: JSONValue, path: String) throws(ProposalError) {
        guard let object = json.objectValue else { throw ProposalError(path: path, problem: "must be an object") }
        let reader = FieldReader(object: object, path: path)
        guard let kindName = try reader.string("type") else { throw ProposalError(path: "\(path).type", problem: "is required") }
        guard let kind = Kind(rawValue: kindName) else {
            let known = Kind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw ProposalError(path: "\(path).type", problem: "unknown action type '\(kindName)', expected one of \(known)")
        }
        var preconditions: [Precondition] = []
        for (index, value) in (try reader.array("preconditions") ?? []).enumerated() {
            preconditions.append(try Precondition(json: value, path: "\(path).preconditions[\(index)]"))
        }
        let behaviorName = try reader.string("failure_behavior") ?? FailureBehavior.abort.rawValue
        guard let behavior = FailureBehavior(rawValue: behaviorName) else {
            throw ProposalError(path: "\(path).failure_behavior", problem: "unknown failure behavior '\(behaviorName)', expected 'abort', 'retry' or 'skip'")
        }
        let maxRetries = try reader.unsigned("max_retries", max: UInt64(UInt32.max)).map { UInt32($0) } ?? 3
        self.init(
            id: try reader.string("id") ?? Identifiers.hex12(),
            kind: kind,
            tool: try reader.string("tool", nullable: true),
            parameters: try reader.object("parameters") ?? [:],
            preconditions: preconditions,
            expectedEffects: try reader.object("expected_effects") ?? [:],
            stateDependencies: try reader.strings("state_dependencies") ?? [],
            dependencies: reader.lenientStrings("dependencies"),
            idempotent: try reader.bool("idempotent") ?? false,
            maxRetries: maxRetries,
            failureBehavior: behavior,
            timeoutMs: try reader.unsigned("timeout_ms", max: UInt64.max, nullable: true),
            metadata: try reader.object("metadata") ?? [:]
        )
    }
}

extension Precondition {
    init(json: JSONValue, path: String) throws(ProposalError) {
        guard let object = json.objectValue else { throw ProposalError(path: path, problem: "must be an object") }
        let reader = FieldReader(object: object, path: path)
        guard let key = try reader.string("key") else { throw ProposalError(path: "\(path).key", problem: "is required") }
        self.init(
            key: key,
            op: try reader.string("operator") ?? "eq",
            value: object["value"] ?? .null,
            description: try reader.string("description") ?? ""
        )
    }
}

/// Typed access to an object's members with defaults. An absent member is nil (the caller's
/// default applies); `null` is nil only for `nullable` members, the reference's `Option`s, and
/// otherwise the wrong type, as serde's `#[serde(default)]` fields treat it.
struct FieldReader {
    let object: [String: JSONValue]
    let path: String

    private func present(_ key: String, nullable: Bool, expected: String) throws(ProposalError) -> JSONValue? {
        guard let value = object[key] else { return nil }
        if value == .null {
            if nullable { return nil }
            throw ProposalError(path: "\(path).\(key)", problem: "must be \(expected), not null")
        }
        return value
    }

    private func mismatch(_ key: String, _ expected: String) -> ProposalError {
        ProposalError(path: "\(path).\(key)", problem: "must be \(expected)")
    }

    func string(_ key: String, nullable: Bool = false) throws(ProposalError) -> String? {
        guard let value = try present(key, nullable: nullable, expected: "a string") else { return nil }
        guard let string = value.stringValue else { throw mismatch(key, "a string") }
        return string
    }

    func bool(_ key: String) throws(ProposalError) -> Bool? {
        guard let value = try present(key, nullable: false, expected: "a boolean") else { return nil }
        guard let bool = value.boolValue else { throw mismatch(key, "a boolean") }
        return bool
    }

    func unsigned(_ key: String, max: UInt64, nullable: Bool = false) throws(ProposalError) -> UInt64? {
        let expected = "a non-negative integer no larger than \(max)"
        guard let value = try present(key, nullable: nullable, expected: expected) else { return nil }
        switch value {
        case .int(let int) where int >= 0 && UInt64(int) <= max:
            return UInt64(int)
        case .double(let double) where max == UInt64.max && double >= 0 && double.rounded() == double && double <= 18_446_744_073_709_551_616:
            // Integers past Int64 arrive as doubles; the reference reads a u64, so up to 2^64 − 1
            // is accepted (a value this large only ever means "no practical limit").
            return double >= 18_446_744_073_709_551_615 ? UInt64.max : UInt64(double)
        default:
            throw mismatch(key, expected)
        }
    }

    func object(_ key: String) throws(ProposalError) -> [String: JSONValue]? {
        guard let value = try present(key, nullable: false, expected: "an object") else { return nil }
        guard let object = value.objectValue else { throw mismatch(key, "an object") }
        return object
    }

    func array(_ key: String) throws(ProposalError) -> [JSONValue]? {
        guard let value = try present(key, nullable: false, expected: "an array") else { return nil }
        guard let array = value.arrayValue else { throw mismatch(key, "an array") }
        return array
    }

    func strings(_ key: String) throws(ProposalError) -> [String]? {
        guard let values = try array(key) else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard let string = value.stringValue else {
                throw ProposalError(path: "\(path).\(key)[\(index)]", problem: "must be a string")
            }
            strings.append(string)
        }
        return strings
    }

    /// The strings of an array member, anything else ignored. For `dependencies`, which the
    /// reference does not read at all (any value passes its verify) while this runtime orders
    /// by it, as the official examples expect.
    func lenientStrings(_ key: String) -> [String] {
        object[key]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
