import CarRPC
import CarTestSupport
import Foundation

/// The supervised agent the agents.chat examples talk to: a connection authenticated as
/// `conformance-chat-agent` that accepts every `agent.chat` turn (sending no events, so the
/// host's next frame is its reply), resolves every `agent.chat.approve` and answers anything
/// else with `{}`. It runs on a thread of its own for the rest of the suite.
enum ConformanceChatAgent {
    static let id = "conformance-chat-agent"
    /// A manifest token is used as written only when at least 43 characters long.
    static let token = "conformance-chat-agent-token-0123456789abcdef"

    static func start(port: Int) throws {
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        try client.sendText(#"{"id":1,"jsonrpc":"2.0","method":"session.auth","params":{"token":"\#(token)","agent_id":"\#(id)"}}"#)
        guard let text = try client.receiveJSONText(timeout: 5), let reply = try? JSONParser.parse(text), reply["result"] != nil else {
            throw AttachFailed()
        }
        let thread = Thread {
            while true {
                guard let text = try? client.receiveJSONText(timeout: 3600) else { return }
                guard let message = try? JSONParser.parse(text), let id = message["id"], let method = message["method"]?.stringValue else { continue }
                let result = switch method {
                case "agent.chat": #"{"accepted":true}"#
                case "agent.chat.approve": #"{"resolved":true}"#
                default: "{}"
                }
                try? client.sendText(#"{"jsonrpc":"2.0","id":\#(JSONWriter.string(id)),"result":\#(result)}"#)
            }
        }
        thread.start()
    }

    struct AttachFailed: Error {}
}
