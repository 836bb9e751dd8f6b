import CarA2A
import CarA2UI
import CarJSON
import Foundation

/// `a2ui.action` on a surface an A2A peer owns: a `SendMessage` continuation of the peer's task
/// with the data part `{"a2uiAction": action}`, sent to the stored endpoint with the stored
/// credential. What happened is the action's route; the credential never appears in it.
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
        if let taskID { message["taskId"] = .string(taskID) }
        if let contextID { message["contextId"] = .string(contextID) }
        let endpoint = A2UIEndpointTrust.displayed(route.endpoint)
        do {
            // The endpoint passed the trust gate when it was stored.
            let reply = try await client.send(endpoint: route.endpoint, message: .object(message), blocking: false,
                                              credential: route.auth, allowUntrusted: true)
            let result = (try? Self.inV1(reply)) ?? reply.result
            return ["sent": true, "endpoint": .string(endpoint), "version": .string(reply.version.rawValue), "result": result]
        } catch {
            return ["sent": false, "endpoint": .string(endpoint), "reason": .string(error.message), "code": .int(Int64(error.code))]
        }
    }
}
