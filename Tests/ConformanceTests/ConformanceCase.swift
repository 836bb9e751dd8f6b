import CarRPC

/// One wire-level case generated from the spec: a request frame sent over a real WebSocket
/// after a setup, and what must come back.
struct ConformanceCase: Sendable, CustomStringConvertible {
    enum Setup: Sendable {
        /// A new connection: nothing sent yet.
        case fresh
        /// session.auth with the conformance token.
        case authenticated
        /// session.auth, then server.handshake v3.
        case negotiated
        /// session.auth with the host token.
        case host
        case hostNegotiated
    }

    enum Expectation: Sendable {
        /// The result must equal this JSON exactly.
        case result(String)
        /// The result must be an object with at least these members.
        case resultKeys([String])
        /// The result must be a JSON value of this type (string, integer, number, boolean,
        /// array, object): for results that differ from run to run.
        case resultType(String)
        /// An error with this code; the message must equal `message` when given and contain
        /// `mentions` when given; `closes` means the server must then close the connection.
        case error(code: Int, message: String?, mentions: String?, closes: Bool)
        /// Sent as a notification: nothing may come back.
        case noReply
        /// Nothing may come back, and the server must close the connection (a notification
        /// before auth).
        case closes
    }

    let name: String
    let method: String
    let setup: Setup
    /// Requests sent first on the same connection; each must succeed.
    var before: [String] = []
    let request: String
    let expect: Expectation

    init(name: String, method: String, setup: Setup, before: [String] = [], request: String, expect: Expectation) {
        self.name = name
        self.method = method
        self.setup = setup
        self.before = before
        self.request = request
        self.expect = expect
    }

    var description: String { name }
}

/// A server→client method exercised through the generated proxy against a recording peer.
struct OutboundCase: Sendable, CustomStringConvertible {
    let name: String
    let method: String
    let isRequest: Bool
    let params: String
    let result: String?
    let invoke: @Sendable (any RPCPeer, JSONValue) async throws -> JSONValue

    init(name: String, method: String, isRequest: Bool, params: String, result: String?,
         invoke: @escaping @Sendable (any RPCPeer, JSONValue) async throws -> JSONValue) {
        self.name = name
        self.method = method
        self.isRequest = isRequest
        self.params = params
        self.result = result
        self.invoke = invoke
    }

    var description: String { name }
}
