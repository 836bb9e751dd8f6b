import CarHost
import CarJSON

/// The approval gate applied to a mutating built-in tool (`write_file`, `edit_file`), exactly as
/// to a gated method: an approval raised by the calling connection (`action: "tool:<name>"`,
/// a truncated preview of the parameters), announced as `approval.requested`, and a wait for
/// another session's `host.resolve_approval` under the same rules (never the caller itself;
/// only a host-role session when the daemon issued a host token; the same timeout and
/// per-client cap). Off with `--no-approvals`.
extension HostApprovalGate {
    /// nil when the call may run; otherwise why not, as the action's error.
    func refusalOfBuiltinTool(_ tool: String, parameters: JSONValue, clientID: String, actionID: String) async -> String? {
        guard config.enabled else { return nil }
        var preview = JSONWriter.string(parameters)
        if preview.utf8.count > Self.previewLimit {
            preview = String(decoding: Array(preview.utf8.prefix(Self.previewLimit)), as: UTF8.self) + "…"
        }
        let approval: HostApproval
        do {
            approval = try host.requestApproval(
                agentID: nil, title: "Allow \(tool)?",
                description: "A proposal on connection \(clientID) asked to run the built-in tool \(tool), which changes files.",
                context: ["tool": .string(tool), "action_id": .string(actionID), "params_preview": .string(preview),
                          "client_id": .string(clientID)],
                action: "tool:\(tool)", requiredApprovals: 1, session: nil, raisedBy: clientID)
        } catch {
            return "approval denied: \(tool) could not be put to a person: \(error)"
        }
        if await host.waitForResolution(id: approval.id, timeout: config.timeout) { return nil }
        let row = host.approval(approval.id)
        let state = switch row?.status {
        case "denied"?: "denied"
        case "expired"?: "expired (\(row?.notes ?? "no decision"))"
        default: "not approved within \(config.timeout)"
        }
        return "approval denied: \(tool) was \(state) (approval \(approval.id))"
    }
}
