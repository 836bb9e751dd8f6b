import CarJSON

extension ActionProposal {
    /// Reads a proposal the way the reference runtime's serde types do: unknown fields are
    /// ignored, absent ones take the spec's defaults, and a present field of the wrong shape is
    /// an error naming its path (`actions[2].max_retries`).
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
        self.init(
            id: try reader.string("id") ?? Identifiers.hex12(),
            source: try reader.string("source") ?? "unknown",
            timestamp: try reader.string("timestamp"),
            actions: actions,
            context: object["context"].flatMap { $0 == .null ? nil : $0 }
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
            tool: try reader.string("tool"),
            parameters: try reader.object("parameters") ?? [:],
            preconditions: preconditions,
            expectedEffects: try reader.object("expected_effects") ?? [:],
            stateDependencies: try reader.strings("state_dependencies") ?? [],
            dependencies: try reader.strings("dependencies") ?? [],
            idempotent: try reader.bool("idempotent") ?? false,
            maxRetries: maxRetries,
            failureBehavior: behavior,
            timeoutMs: try reader.unsigned("timeout_ms", max: UInt64(Int64.max)),
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

/// Typed access to an object's optional members. `null` counts as absent, as serde's
/// `Option` and `#[serde(default)]` fields treat it.
struct FieldReader {
    let object: [String: JSONValue]
    let path: String

    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    private func mismatch(_ key: String, _ expected: String) -> ProposalError {
        ProposalError(path: "\(path).\(key)", problem: "must be \(expected)")
    }

    func string(_ key: String) throws(ProposalError) -> String? {
        guard let value = present(key) else { return nil }
        guard let string = value.stringValue else { throw mismatch(key, "a string") }
        return string
    }

    func bool(_ key: String) throws(ProposalError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard let bool = value.boolValue else { throw mismatch(key, "a boolean") }
        return bool
    }

    func unsigned(_ key: String, max: UInt64) throws(ProposalError) -> UInt64? {
        guard let value = present(key) else { return nil }
        guard case .int(let int) = value, int >= 0, UInt64(int) <= max else {
            throw mismatch(key, "a non-negative integer no larger than \(max)")
        }
        return UInt64(int)
    }

    func object(_ key: String) throws(ProposalError) -> [String: JSONValue]? {
        guard let value = present(key) else { return nil }
        guard let object = value.objectValue else { throw mismatch(key, "an object") }
        return object
    }

    func array(_ key: String) throws(ProposalError) -> [JSONValue]? {
        guard let value = present(key) else { return nil }
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
}
