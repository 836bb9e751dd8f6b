import CarA2A
import CarA2UI
import CarJSON
import Foundation

/// `a2ui.action` on a surface an A2A peer owns: a `SendMessage` continuation of the peer's task
/// with the data part `{"a2uiAction": action}`, sent to the stored endpoint with the stored
/// credential. What happened is the action's route; the credential never appears in it (the
/// peer's reply is redacted of it, and cut past `A2ARedaction.maxRouteResultBytes`).
extension A2AHub {
    /// A peer's SendMessage result in 1.0 shapes, whichever version it answered in.
    static func inV1(_ reply: A2AOutboundReply) throws(A2AError) -> JSONValue {
        reply.version == .v1_0 ? reply.result : A2ACodec(.v1_0).encode(try A2ACodec(.v0_3).decodeSendResult(reply.result))
    }

    func continueTask(taskID: String?, contextID: String?, route: A2UIRoute?, action: JSONValue) async -> JSONValue {
        guard let route else {
            return ["sent": false, "reason": "the surface's A2A owner has no endpoint to continue on (ingest it with an endpoint, or a2a.send)"]
        }
        var message: [String: JSONValue] = [
            "messageId": .string(UUID().uuidString.lowercased()),
            "role": "ROLE_USER",
            "parts": [["data": ["a2uiAction": action], "mediaType": "application/json"]],
        ]
        if let contextID { message["contextId"] = .string(contextID) }
        let endpoint = A2UIEndpointTrust.displayed(route.endpoint)
        var continuing = taskID
        while true {
            var sent = message
            if let continuing { sent["taskId"] = .string(continuing) }
            do {
                // The endpoint passed the trust gate when it was stored.
                let reply = try await client.send(endpoint: route.endpoint, message: .object(sent), blocking: false,
                                                  credential: route.auth, allowUntrusted: true)
                // The route goes into the a2ui.action reply and a journaled host event: no echo of
                // the credential, and no more than 64 KiB of the peer's reply.
                let result = A2ARedaction.routeResult((try? Self.inV1(reply)) ?? reply.result, credential: route.auth)
                var outcome: [String: JSONValue] = ["sent": true, "endpoint": .string(endpoint), "version": .string(reply.version.rawValue), "result": result]
                if taskID != nil && continuing == nil { outcome["newTask"] = true }
                return .object(outcome)
            } catch where continuing != nil && Self.taskIsOver(error) {
                // A finished (or forgotten) task takes no more messages: the click starts a new
                // task in the same context, as A2A has follow-ups do.
                continuing = nil
            } catch {
                return ["sent": false, "endpoint": .string(endpoint), "reason": .string(error.message), "code": .int(Int64(error.code))]
            }
        }
    }

    /// The peer's answer to a message for a task it no longer takes messages for: not found,
    /// or in a terminal state (UnsupportedOperation, which the reference SDK answers).
    private static func taskIsOver(_ error: A2AError) -> Bool {
        error.code == A2AError.taskNotFoundCode || error.code == A2AError.unsupportedOperationCode
    }

    /// What of a peer's SendMessage result is the peer's output for this turn, for the A2UI
    /// scan: a message as it is; of a task its status message, its artifacts and the agent
    /// messages after the last user message in its history. The history also holds what this
    /// daemon sent (and earlier turns), which must not be applied again.
    static func peerOutput(_ result: JSONValue) -> JSONValue {
        guard case .object(var members) = result, case .object(var task)? = members["task"],
              let history = task["history"]?.arrayValue else { return result }
        let lastUser = history.lastIndex { $0["role"]?.stringValue == "ROLE_USER" }
        let turn = history[(lastUser.map { $0 + 1 } ?? 0)...].filter { $0["role"]?.stringValue != "ROLE_USER" }
        task["history"] = .array(Array(turn))
        members["task"] = .object(task)
        return .object(members)
    }
}
