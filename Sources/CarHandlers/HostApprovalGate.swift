import CarHost
import CarJSON
import CarRPC

/// The approval gate over host state: a gated call becomes an approval of the call's
/// connection (`action: "ws.method:<method>"`, a truncated params preview, `raisedBy` the
/// caller), subscribers are told (`approval.requested`), and the call waits for another
/// session's `host.resolve_approval` — approve runs the handler; deny, timeout, cancellation
/// or the caller's disconnect is -32003, and a call nobody waits for any more leaves its row
/// `expired` (kept for forensics, but no longer pending, so it can be evicted).
///
/// Beyond the reference, which lets any authenticated session (the caller included) decide:
/// the caller can never decide its own call, and with a host token only a host-role session
/// can (`HostState.resolveApproval`); each client has at most
/// `HostLimits.pendingApprovalsPerClient` calls waiting.
public struct HostApprovalGate: ApprovalGatekeeper {
    public let host: HostState
    public let config: ApprovalGateConfig

    public init(host: HostState, config: ApprovalGateConfig) {
        self.host = host
        self.config = config
    }

    /// Params shown to the person deciding are cut here, so a huge payload cannot flood the
    /// host apps' event stream.
    static let previewLimit = 512

    public func isGated(_ descriptor: MethodDescriptor) -> Bool {
        guard config.enabled else { return false }
        return config.methods.map { $0.contains(descriptor.name) } ?? (descriptor.approval == .gated)
    }

    public func requireApproval(method: String, params: JSONValue, clientID: String) async throws {
        var preview = JSONWriter.string(params)
        if preview.utf8.count > Self.previewLimit {
            preview = String(decoding: Array(preview.utf8.prefix(Self.previewLimit)), as: UTF8.self) + "…"
        }
        let approval: HostApproval
        do {
            approval = try host.requestApproval(
                agentID: nil, title: "Allow \(method)?", description: "A connection asked to run the high-risk method \(method).",
                context: ["method": .string(method), "params_preview": .string(preview), "client_id": .string(clientID)],
                action: "ws.method:\(method)", requiredApprovals: 1, session: nil, raisedBy: clientID)
        } catch {
            throw RPCError(code: RPCErrorCode.approvalDenied, message: "approval denied: \(method) could not be put to a person: \(error)")
        }
        guard await host.waitForResolution(id: approval.id, timeout: config.timeout) else {
            let row = host.approval(approval.id)
            let state = switch row?.status {
            case "denied"?: "denied"
            case "expired"?: "expired (\(row?.notes ?? "no decision"))"
            default: "not approved within \(config.timeout)"
            }
            throw RPCError(code: RPCErrorCode.approvalDenied, message: "approval denied: \(method) was \(state) (approval \(approval.id))")
        }
    }
}
