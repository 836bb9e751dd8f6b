import CarJSON

/// The JSON shapes of one A2A version, both ways: request params in, results and stream events
/// out, and results in again (the outbound client reads a peer's reply in the peer's version
/// and the daemon reports it in 1.0 shapes: `A2ACodec(.v0_3).decodeSendResult(json)` then
/// `A2ACodec(.v1_0).encode(result)`).
///
/// 1.0 is proto JSON (`a2a.proto`): camelCase, `TASK_STATE_*` / `ROLE_*`, no `kind`, a
/// SendMessage result wrapped as `{"task": …}` / `{"message": …}`, stream events as
/// `{"task"|"message"|"statusUpdate"|"artifactUpdate": …}` without `final`, members at their
/// default left out. 0.3 is the JSON of its spec: bare objects with `kind` (`task`, `message`,
/// `status-update`, `artifact-update`), lowercase states (`input-required`), file parts
/// `{kind: "file", file: {bytes|uri, mimeType, name}}`, data parts that hold an object
/// (another value goes out as `{"value": v}` marked `metadata.data_part_compat`, and comes
/// back unwrapped, as the SDK does), `final: true` on the status update that ends a stream.
/// A reply is never a mix: one codec writes all of it.
///
/// Request params that are wrong are -32602 errors naming the field's path; results that are
/// wrong (`decodeTask`, `decodeSendResult`, `decodeUpdate`) are -32006 (the peer's answer is
/// not what the version says), with the same path.
public struct A2ACodec: Sendable, Hashable {
    public let version: A2AProtocolVersion

    public init(_ version: A2AProtocolVersion) {
        self.version = version
    }

    // MARK: Results in (a peer's reply)

    public func decodeTask(_ value: JSONValue) throws(A2AError) -> A2ATask {
        try asAgentResponse { () throws(A2AError) in try task(try fields(value, ""), path: "") }
    }

    public func decodeMessage(result value: JSONValue) throws(A2AError) -> A2AMessage {
        try asAgentResponse { () throws(A2AError) in try message(value, path: "") }
    }

    /// SendMessage's result: 1.0 `{"task"}` / `{"message"}`, 0.3 a bare object with `kind`.
    public func decodeSendResult(_ value: JSONValue) throws(A2AError) -> A2ASendResult {
        try asAgentResponse { () throws(A2AError) in
            switch try update(value) {
            case .task(let task): return .task(task)
            case .message(let message): return .message(message)
            case .status, .artifact: throw .invalidParams(field: "", "a SendMessage result is a task or a message, not a stream update")
            }
        }
    }

    /// One stream event's result.
    public func decodeUpdate(_ value: JSONValue) throws(A2AError) -> A2AUpdate {
        try asAgentResponse { () throws(A2AError) in try update(value) }
    }

    // MARK: Caller-supplied messages

    /// A message in either version's shape, told apart by its spelling: `kind`, a lowercase
    /// role or `kind` on a part mean 0.3; anything else is read as 1.0. Errors are -32602 with
    /// paths under `message`.
    public static func decodeMessageInEitherShape(_ value: JSONValue, path: String = "message") throws(A2AError) -> A2AMessage {
        try A2ACodec(looksLegacy(value) ? .v0_3 : .v1_0).message(value, path: path)
    }

    static func looksLegacy(_ value: JSONValue) -> Bool {
        if value["kind"] != nil { return true }
        if let role = value["role"]?.stringValue, role == "user" || role == "agent" { return true }
        if let parts = value["parts"]?.arrayValue, parts.contains(where: { $0["kind"] != nil }) { return true }
        return false
    }

    // MARK: Helpers

    func fields(_ value: JSONValue?, _ path: String) throws(A2AError) -> A2AFields {
        try A2AFields(value, path: path, version: version)
    }

    /// Field errors found in a peer's result are that peer's fault, not the caller's.
    private func asAgentResponse<T>(_ body: () throws(A2AError) -> T) throws(A2AError) -> T {
        do {
            return try body()
        } catch where error.code == A2AError.invalidParamsCode {
            throw A2AError(code: A2AError.invalidAgentResponseCode,
                           message: "the agent's \(version.rawValue) reply is not valid: \(error.message)", data: error.data)
        }
    }

    /// `kind`, when present, must be the one expected (0.3).
    func expectKind(_ fields: A2AFields, _ kind: String) throws(A2AError) {
        guard version == .v0_3, let found = try fields.string("kind") else { return }
        guard found == kind else { throw .invalidParams(field: fields.path("kind"), "expected \"\(kind)\", got \"\(A2AError.clip(found))\"") }
    }

    static func timestamp(_ micros: Int64) -> JSONValue { .string(RFC3339.format(micros: micros)) }
}
