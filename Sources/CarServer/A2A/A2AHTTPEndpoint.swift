import CarA2A
import CarGenerated
import CarHTTP
import CarIO
import CarJSON
import CarRPC

/// The A2A HTTP binding as a route: the agent card (`GET /.well-known/agent-card.json`) and
/// JSON-RPC POSTs at the interface URL, answered with JSON or, for the streaming methods, an
/// event stream. The method name picks the operation and its version (from the spec's A2A
/// table); the `A2A-Version` header must agree, by A2A's rule. Every error is HTTP 200 with a
/// JSON-RPC error, as A2A clients expect; only a missing or wrong bearer is a 401.
///
/// Called on the transport's thread: parsing a large body and everything the dispatcher does
/// run in tasks, and each request's work is cancelled when its connection goes.
final class A2AHTTPEndpoint: HTTPRouteHandler {
    static let cardPath = "/.well-known/agent-card.json"
    /// Bodies above this are parsed off the event loop.
    static let largeBodyBytes = 64 << 10

    /// Read per request: a listener is bound before its dispatcher knows the bound address.
    private let dispatcher: @Sendable () -> A2ADispatcher?
    private let bearer: A2ABearerCheck
    /// Where each request's work runs (the event loop), as for the other endpoints.
    private let executor: any TaskExecutor

    init(dispatcher: @escaping @Sendable () -> A2ADispatcher?, bearer: A2ABearerCheck, executor: any TaskExecutor) {
        self.dispatcher = dispatcher
        self.bearer = bearer
        self.executor = executor
    }

    func handle(_ exchange: any HTTPExchange) {
        let request = exchange.request
        if request.path.hasSuffix(Self.cardPath) {
            card(exchange)
            return
        }
        guard request.method == "POST" else {
            var response = HTTPResponse.text("A2A JSON-RPC: POST a request here\n", status: 405)
            response.headers.set("Allow", "POST")
            exchange.respond(response)
            return
        }
        let caller: A2ACaller
        switch bearer.caller(request.headers) {
        case .caller(let who): caller = who
        case .refused(let refusal):
            exchange.respond(refusal)
            return
        }
        let body = request.body
        let version = request.headers["A2A-Version"]
        if body.count <= Self.largeBodyBytes {
            received(A2AHTTPRequest(body), versionHeader: version, caller: caller, exchange)
            return
        }
        let work = Task(executorPreference: executor) { [self] in
            // Never parsed on the loop: a saturated pool is a refusal to try again.
            let parsed = (try? await BlockingPool.compute.run { A2AHTTPRequest(body) })
                ?? .refused(id: nil, A2AError(code: A2AError.internalErrorCode, message: "the daemon is busy; try again"))
            received(parsed, versionHeader: version, caller: caller, exchange)
        }
        exchange.onCancel { work.cancel() }
    }

    /// The card is public (A2A clients read it before they know how to authenticate); it
    /// names the scheme a bearer-protected daemon wants.
    private func card(_ exchange: any HTTPExchange) {
        guard exchange.request.method == "GET" || exchange.request.method == "HEAD" else {
            var response = HTTPResponse.text("the agent card is read with GET\n", status: 405)
            response.headers.set("Allow", "GET, HEAD")
            exchange.respond(response)
            return
        }
        guard let dispatcher = dispatcher() else {
            exchange.respond(HTTPResponse.text("the A2A listener is starting\n", status: 503))
            return
        }
        let work = Task(executorPreference: executor) {
            let card = await dispatcher.agentCard()
            var response = HTTPResponse.json(JSONWriter.bytes(card))
            response.headers.set("Cache-Control", "no-cache")
            exchange.respond(response)
        }
        exchange.onCancel { work.cancel() }
    }

    private func received(_ parsed: A2AHTTPRequest, versionHeader: String?, caller: A2ACaller, _ exchange: any HTTPExchange) {
        let call: A2AHTTPRequest.Call
        switch parsed {
        case .refused(let id, let error):
            exchange.respond(Self.reply(id: id, error: error, version: .v1_0))
            return
        case .call(let read):
            call = read
        }
        guard let entry = CarA2AMethods.byName[call.method], let operation = A2AOperation(rawValue: entry.operation),
              let version = A2AProtocolVersion(rawValue: entry.version) else {
            let version: A2AProtocolVersion = versionHeader.map { $0.hasPrefix("1") } == true ? .v1_0 : .v0_3
            // The name is the client's: echoed cut to 100 bytes, so the error stays small.
            let head = UTF8Cut.prefix(call.method, limit: 100)
            let name = head.utf8.count == call.method.utf8.count ? call.method : head + "…"
            exchange.respond(Self.reply(id: call.id, error: A2AError(code: A2AError.methodNotFoundCode, message: "Method not found: \(name)"),
                                        version: version))
            return
        }
        if let refusal = A2ADispatcher.versionError(method: version, header: versionHeader) {
            exchange.respond(Self.reply(id: call.id, error: refusal, version: version))
            return
        }
        guard let dispatcher = dispatcher() else {
            exchange.respond(Self.reply(id: call.id, error: A2AError(code: A2AError.internalErrorCode, message: "the A2A listener is starting"), version: version))
            return
        }
        let id = call.id
        let params = call.params
        let work: Task<Void, Never>
        if operation.streams {
            work = Task(executorPreference: executor) {
                do {
                    let events = try await dispatcher.stream(operation, version: version, params: params, caller: caller)
                    self.relay(events, id: id, version: version, exchange)
                } catch {
                    exchange.respond(Self.reply(id: id, error: A2AError.from(error), version: version))
                }
            }
        } else {
            work = Task(executorPreference: executor) {
                do {
                    let result = try await dispatcher.call(operation, version: version, params: params, caller: caller)
                    exchange.respond(Self.reply(id: id, result: result))
                } catch {
                    exchange.respond(Self.reply(id: id, error: A2AError.from(error), version: version))
                }
            }
        }
        exchange.onCancel { work.cancel() }
    }

    /// Feeds the stream's events to the client as `data:` lines, one JSON-RPC response each,
    /// and ends it after the last: a client waits for the end to know the task settled.
    private func relay(_ events: AsyncStream<A2AStreamEvent>, id: RPCID?, version: A2AProtocolVersion, _ exchange: any HTTPExchange) {
        // No stream (the connection went): dropping `events` ends the subscription.
        guard let sink = exchange.openEventStream(headers: ["Cache-Control": "no-cache"]) else { return }
        let follower = Task(executorPreference: executor) {
            for await event in events {
                guard sink.isOpen else { break }
                switch event {
                case .result(let result):
                    sink.send([SSEEvent(data: JSONWriter.string(Self.envelope(id: id, ["result": result])))])
                case .failure(let error):
                    // 1.0 names an error event; 0.3 clients read it from the data alone.
                    let data = JSONWriter.string(Self.envelope(id: id, ["error": error.errorObject(for: version)]))
                    sink.send([SSEEvent(data: data, event: version == .v1_0 ? "error" : nil)])
                }
            }
            sink.end()
        }
        exchange.onCancel { follower.cancel() }
    }

    static func envelope(id: RPCID?, _ members: [String: JSONValue]) -> JSONValue {
        var object = members
        object["jsonrpc"] = "2.0"
        object["id"] = id?.json ?? .null
        return .object(object)
    }

    static func reply(id: RPCID?, result: JSONValue) -> HTTPResponse {
        .json(JSONWriter.bytes(envelope(id: id, ["result": result])))
    }

    static func reply(id: RPCID?, error: A2AError, version: A2AProtocolVersion) -> HTTPResponse {
        .json(JSONWriter.bytes(envelope(id: id, ["error": error.errorObject(for: version)])))
    }
}

extension A2AError {
    /// A dispatcher's error as it is; anything else (cancellation) as an internal error.
    static func from(_ error: any Error) -> A2AError {
        (error as? A2AError) ?? A2AError(code: internalErrorCode, message: "Internal error: \(error)")
    }
}
