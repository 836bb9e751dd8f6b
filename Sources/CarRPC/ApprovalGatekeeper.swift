/// Decides gated calls (spec flag `approval: gated`) before their handler runs. The
/// dispatcher fails closed: a gated method with no gatekeeper installed is denied.
public protocol ApprovalGatekeeper: Sendable {
    /// Returns when a person approved the call; throws an `RPCError` (-32003) on deny or timeout.
    func requireApproval(method: String, params: JSONValue, clientID: String) async throws
    /// Whether this method is gated under the current configuration; the spec's flag is the
    /// default set, an embedder or `--no-approvals` may change it.
    func isGated(_ descriptor: MethodDescriptor) -> Bool
}
