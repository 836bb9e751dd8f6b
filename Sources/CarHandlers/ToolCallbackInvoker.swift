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

        let outcome = await withTaskGroup(of: ToolOutcome?.self) { group in
            group.addTask { [client] in
                do {
                    return .success(try await client.toolsExecute(params, id: id))
                } catch let error as RPCError {
                    return .failure(error.message)
                } catch PeerError.channelClosed {
                    return .channelClosed
                } catch is CancellationError {
                    return nil
                } catch {
                    return .failure(String(describing: error))
                }
            }
            group.addTask {
                try? await Task.sleep(for: budget)
                return Task.isCancelled ? nil : .timedOut(Self.timeoutReason(call, budget: budget))
            }
            // Whichever finishes first decides; the other is cancelled (a cancelled callback
            // frees its slot in the peer table at once).
            var decided: ToolOutcome?
            while decided == nil, let next = await group.next() {
                decided = next
            }
            group.cancelAll()
            return decided ?? .channelClosed
        }
        if case .timedOut(let reason) = outcome {
            client.toolsCancel(.init(actionId: call.actionID, reason: reason, requestId: requestID))
        }
        return outcome
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
