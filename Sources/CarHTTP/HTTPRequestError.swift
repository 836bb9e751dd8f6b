/// Why a request was refused, carrying the status code to answer with, so the transport needs
/// no table of its own. After one of these the connection's framing can no longer be trusted:
/// answer (with `response`, which says `Connection: close`) and close.
public struct HTTPRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    public var status: Int
    public var reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status) \(HTTPStatus.reasonPhrase(status)): \(reason)" }

    /// A plain-text answer naming the problem, ending the connection.
    public var response: HTTPResponse {
        var response = HTTPResponse.text(reason + "\n", status: status)
        response.headers.set("Connection", "close")
        return response
    }

    static func badRequest(_ reason: String) -> HTTPRequestError { HTTPRequestError(status: 400, reason: reason) }
    static func headersTooLarge(_ reason: String) -> HTTPRequestError { HTTPRequestError(status: 431, reason: reason) }
}
