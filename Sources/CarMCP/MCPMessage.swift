import CarHTTP
import CarJSON
import CarRPC

/// A POST body, read.
enum MCPMessage: Sendable {
    case single(RPCInbound)
    /// An array of messages (2025-03-26 only), each read.
    case batch([RPCInbound])
    case unreadable(String)

    init(_ body: [UInt8]) {
        do {
            switch try JSONParser.parse(body) {
            case .array(let elements): self = .batch(elements.map(RPCInbound.init))
            case let value: self = .single(RPCInbound(value))
            }
        } catch {
            self = .unreadable("\(error)")
        }
    }
}

/// What a request's `Accept` allows. A missing header, `*/*` and `application/*` accept JSON.
/// Media types with `q=0` are refused ones, not accepted ones.
struct MCPAccept: Sendable {
    var json: Bool
    var eventStream: Bool

    init?(_ headers: HTTPHeaders) {
        let values = headers.values("Accept")
        guard !values.isEmpty else {
            json = true
            eventStream = true
            return
        }
        var types = Set<String>()
        for item in values.joined(separator: ",").split(separator: ",") {
            let parts = item.split(separator: ";").map { HTTPHeaders.trimmed($0).lowercased() }
            guard let type = parts.first, !type.isEmpty else { continue }
            if parts.dropFirst().contains(where: { $0.replacingSpaces == "q=0" || $0.replacingSpaces == "q=0.0" || $0.replacingSpaces == "q=0.000" }) { continue }
            types.insert(type)
        }
        json = types.contains("application/json") || types.contains("application/*") || types.contains("*/*")
        eventStream = types.contains("text/event-stream") || types.contains("text/*") || types.contains("*/*")
    }
}

private extension String {
    var replacingSpaces: String { filter { $0 != " " } }
}
