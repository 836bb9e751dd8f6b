/// Why an HTTP exchange with a peer ended without a usable response. Reasons name at most the
/// displayed form of a URL (no query, no userinfo) and never a header.
enum A2ATransportFailure: Error, Sendable, Equatable {
    case timedOut(seconds: Double)
    case tooLarge(limit: Int)
    case redirectRefused(target: String, reason: String)
    case tooManyRedirects(limit: Int)
    case network(String)
    case cancelled

    var reason: String {
        switch self {
        case .timedOut(let seconds): "no complete answer within \(Self.format(seconds)) s"
        case .tooLarge(let limit): "the response is larger than \(limit) bytes"
        case .redirectRefused(let target, let reason): "refused a redirect to \(target): \(reason)"
        case .tooManyRedirects(let limit): "more than \(limit) redirects"
        case .network(let text): text
        case .cancelled: "the call was cancelled"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
