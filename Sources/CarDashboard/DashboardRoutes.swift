import CarHTTP
import CarJSON

/// Who may talk to the dashboard's listener at all: requests whose Host is not a loopback
/// name are refused, so a page that rebinds its own DNS name to 127.0.0.1 (and so counts as
/// same-origin, sending no Origin header) still cannot read the page's token.
enum DashboardHost {
    static func isLoopback(_ host: String?) -> Bool {
        guard let host else { return false }
        return LoopbackOrigin.isLoopback("http://" + host)
    }

    static func refusal() -> HTTPResponse {
        HTTPResponse.text("the dashboard answers loopback host names only (127.0.0.1, localhost, [::1])\n", status: 421)
    }
}

/// The page, its scripts and styles (`GET /`, and `/<file>` for every file of Resources/), with headers
/// that keep it from being framed or from loading anything but itself and the daemon's socket.
public struct DashboardPageRoute: HTTPRouteHandler {
    public init() {}

    public func handle(_ exchange: any HTTPExchange) {
        let request = exchange.request
        guard DashboardHost.isLoopback(request.headers["host"]) else { return exchange.respond(DashboardHost.refusal()) }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.text("method not allowed: the dashboard takes GET\n", status: 405)
            response.headers.set("Allow", "GET, HEAD")
            return exchange.respond(response)
        }
        guard let asset = DashboardAssets.byPath[request.path] else {
            return exchange.respond(HTTPResponse.text("not found: \(request.path.prefix(200))\n", status: 404))
        }
        var response = HTTPResponse(status: 200, body: request.method == "HEAD" ? [] : asset.body)
        response.headers.set("Content-Type", asset.contentType)
        response.headers.set("Cache-Control", "no-cache")
        response.headers.set("X-Content-Type-Options", "nosniff")
        response.headers.set("Referrer-Policy", "no-referrer")
        // Agents' images and media may come from anywhere; scripts, styles and sockets from here.
        // CSP has no syntax for IPv6 literals (Chromium drops `ws://[::1]:*` with an error), so
        // a WebSocket on [::1] is reached only as 'self'.
        response.headers.set("Content-Security-Policy",
                             "default-src 'self'; script-src 'self'; style-src 'self'; img-src * data:; media-src * data:; "
                                + "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        exchange.respond(response)
    }
}

/// `GET /auth-token`, the protocol's colocated token endpoint: the daemon's session token (never
/// the host token) and the WebSocket URL, for the page served beside it. Loopback only, never
/// cached, refused to any request whose Origin is not a loopback page (whatever
/// `--allow-origin` admits elsewhere).
public struct AuthTokenRoute: HTTPRouteHandler {
    private let token: String?
    private let webSocketURL: @Sendable () -> String?

    public init(token: String?, webSocketURL: @escaping @Sendable () -> String?) {
        self.token = token
        self.webSocketURL = webSocketURL
    }

    public func handle(_ exchange: any HTTPExchange) {
        let request = exchange.request
        guard DashboardHost.isLoopback(request.headers["host"]) else { return exchange.respond(DashboardHost.refusal()) }
        if let origin = request.headers["origin"], !LoopbackOrigin.isLoopback(origin) {
            return exchange.respond(HTTPResponse.text("the token is for loopback pages only\n", status: 403))
        }
        guard request.method == "GET" else {
            var response = HTTPResponse.text("method not allowed: /auth-token takes GET\n", status: 405)
            response.headers.set("Allow", "GET")
            return exchange.respond(response)
        }
        var response = HTTPResponse.json(JSONWriter.bytes(["token": token.map { .string($0) } ?? .null,
                                                           "ws": webSocketURL().map { .string($0) } ?? .null]))
        response.headers.set("Cache-Control", "no-store")
        response.headers.set("X-Content-Type-Options", "nosniff")
        exchange.respond(response)
    }
}
