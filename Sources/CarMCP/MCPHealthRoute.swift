import CarHTTP
import CarJSON

/// `GET /mcp/health`: a liveness probe answering without a session or token, so a process
/// manager can watch the endpoint; it tells nothing beyond that the daemon is up.
public struct MCPHealthRoute: HTTPRouteHandler {
    private let body: [UInt8]

    public init(serverName: String, serverVersion: String) {
        body = JSONWriter.bytes(.object([
            "status": "ok",
            "server": .string(serverName),
            "version": .string(serverVersion),
            "protocolVersions": .array(MCPProtocolVersion.supported.map { .string($0) }),
        ]))
    }

    public func handle(_ exchange: any HTTPExchange) {
        switch exchange.request.method {
        case "GET", "HEAD":
            var response = HTTPResponse.json(body)
            response.headers.set("Cache-Control", "no-store")
            exchange.respond(response)
        default:
            var response = HTTPResponse.text("method not allowed: /mcp/health takes GET\n", status: 405)
            response.headers.set("Allow", "GET, HEAD")
            exchange.respond(response)
        }
    }
}
