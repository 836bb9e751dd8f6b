import CarEngine
import CarGenerated
import CarRPC

/// Runs a proposal's tool calls on the client that submitted it (the seed's
/// `WsToolExecutor`): each call is a `tools.execute` request whose `request_id` is its
/// JSON-RPC id, awaited for at most the action's `timeout_ms` plus grace, or the daemon's
/// tool timeout when the action declares none. A call given up on is cancelled on the
/// client with `tools.cancel`, so the host can stop the work instead of orphaning it.
struct ToolCallbackInvoker: ToolInvoker {
    let client: CarClientProxy
    /// The policy session the proposal runs under, stamped on every callback.
    let sessionID: String?
    let defaultTimeout: Duration
    let grace: Duration

    func invoke(_ call: ToolCall) async -> ToolOutcome {
        let id = client.nextCallID()
        let requestID = id.stringValue
        let timeoutMs = call.timeoutMs.map { Int(clamping: $0) }
        let params = CarMethods.ToolsExecute.Params(
            actionId: call.actionID, attempt: Int(call.attempt), parameters: call.parameters,
            requestId: requestID, sessionId: sessionID, timeoutMs: timeoutMs, tool: call.tool)
        let budget = call.timeoutMs.map { .milliseconds(Int64(clamping: $0)) + grace } ?? defaultTimeout
        do {
            return .success(try await client.toolsExecute(params, id: id, timeout: budget))
        } catch let error as RPCError {
            return .failure(error.message)
        } catch PeerError.channelClosed {
            return .channelClosed
        } catch PeerError.timedOut {
            // The daemon gives up; the host is told so it can stop the work instead of orphaning it.
            let reason = Self.timeoutReason(call, budget: budget)
            client.toolsCancel(.init(actionId: call.actionID, reason: reason, requestId: requestID))
            return .timedOut(reason)
        } catch is CancellationError {
            // The work was called off here (an A2A CancelTask, a closing listener): the host
            // is told, as on a timeout, so it stops instead of finishing for no one.
            let reason = "tool '\(call.tool)' callback cancelled"
            client.toolsCancel(.init(actionId: call.actionID, reason: reason, requestId: requestID))
            return .failure(reason)
        } catch {
            return .failure(String(describing: error))
        }
    }

    static func timeoutReason(_ call: ToolCall, budget: Duration) -> String {
        let tenths = budget.components.seconds * 10 + budget.components.attoseconds / 100_000_000_000_000_000
        let shown = tenths >= 100 ? "\((tenths + 5) / 10)" : "\(tenths / 10).\(tenths % 10)"
        return "tool '\(call.tool)' callback timed out (\(shown)s)"
    }
}

extension RPCID {
    /// The id as the text a `request_id` carries.
    var stringValue: String {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        }
    }
}
