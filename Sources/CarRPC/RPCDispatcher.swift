/// The answer to one inbound message: the frame to send back (nil for notifications) and
/// whether the connection must close after it is written.
public struct DispatchReply: Sendable {
    public var message: JSONValue?
    public var closeConnection: Bool

    public init(message: JSONValue?, closeConnection: Bool = false) {
        self.message = message
        self.closeConnection = closeConnection
    }
}

/// Runs client→server calls through the spec's policy, in the order the protocol fixes:
/// known method (-32601) → auth (-32001) → handshake (-32005) → params (-32602) →
/// approval (-32003) → handler. Driven entirely by the route table's descriptors.
public final class RPCDispatcher<Session: RPCSession>: Sendable {
    /// Routes by position, found through a name index: a dictionary whose values are a
    /// non-generic type is fully specialized, while one keyed to `RPCRoute<Session>` went
    /// through unspecialized generic lookup on every request.
    private let routes: [RPCRoute<Session>]
    private let index: [String: Int]
    /// The routes' descriptors in the same order: reading one needs no generic metadata.
    private let routeDescriptors: [MethodDescriptor]
    /// Which routes have an inline handler, by the same position.
    private let routeIsInline: [Bool]
    private let approvals: (any ApprovalGatekeeper)?
    private let log: @Sendable (String) -> Void

    public init(
        routes: [RPCRoute<Session>],
        approvals: (any ApprovalGatekeeper)? = nil,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        var table: [RPCRoute<Session>] = []
        var index: [String: Int] = [:]
        for route in routes where route.descriptor.direction == .clientToServer {
            if let existing = index[route.descriptor.name] {
                table[existing] = route
            } else {
                index[route.descriptor.name] = table.count
                table.append(route)
            }
        }
        self.routes = table
        self.index = index
        self.routeDescriptors = table.map(\.descriptor)
        self.routeIsInline = table.map { $0.invokeInline != nil }
        self.approvals = approvals
        self.log = log
    }

    public var descriptors: [MethodDescriptor] { routeDescriptors.sorted { $0.name < $1.name } }

    private func route(_ method: String) -> RPCRoute<Session>? {
        index[method].map { routes[$0] }
    }

    /// Handles a request or notification (see `RPCInbound`); responses to server-sent
    /// requests never come here.
    public func dispatch(id: RPCID?, method: String, params: JSONValue?, session: Session) async -> DispatchReply {
        let route: RPCRoute<Session>
        switch admit(id: id, method: method, session: session) {
        case .refused(let reply): return reply
        case .admitted(let admitted): route = admitted
        }
        let context = RPCContext(requestID: id, method: method, session: session)
        let beforeHandler = approvalStep(for: route.descriptor, params: params, session: session)
        do {
            let result = try await route.invoke(normalizedParams(params), context, beforeHandler)
            return answer(id, result: result)
        } catch {
            return answer(id, failure: error, of: route.descriptor)
        }
    }

    /// The same, answered synchronously on the caller's thread, for a method whose handler is
    /// inline (it never waits) and that no approval gate holds back. Nil means "not inline
    /// here": dispatch it as a task instead. An inline method's refusals before the handler
    /// (auth, handshake) are answered here too. The caller must only use this when nothing
    /// sent earlier on the connection is still being dispatched, or replies would overtake it.
    public func dispatchInline(id: RPCID?, method: String, params: JSONValue?, session: Session) -> DispatchReply? {
        // Only inline methods are even admitted here; everything else keeps the task path.
        // The route is fetched once: each fetch of the generic route costs a metadata lookup.
        guard let position = index[method], routeIsInline[position] else { return nil }
        let route = routes[position]
        if let refusal = refusal(id: id, method: method, descriptor: route.descriptor, session: session) { return refusal }
        guard let invoke = route.invokeInline, approvalStep(for: route.descriptor, params: params, session: session) == nil else {
            return nil
        }
        do {
            return answer(id, result: try invoke(normalizedParams(params), RPCContext(requestID: id, method: method, session: session)))
        } catch {
            return answer(id, failure: error, of: route.descriptor)
        }
    }

    private enum Admission {
        case admitted(RPCRoute<Session>)
        case refused(DispatchReply)
    }

    /// The checks before any handler, in the protocol's order: known method, auth, handshake.
    private func admit(id: RPCID?, method: String, session: Session) -> Admission {
        guard let route = route(method) else {
            // A notification for a method we do not know is dropped, as JSON-RPC requires.
            guard let id else { return .refused(DispatchReply(message: nil)) }
            return .refused(answer(id, RPCError(code: RPCErrorCode.methodNotFound, message: "method not found: \(method)")))
        }
        if let refusal = refusal(id: id, method: method, descriptor: route.descriptor, session: session) { return .refused(refusal) }
        return .admitted(route)
    }

    /// Auth, then handshake, for a known method; nil when both pass.
    private func refusal(id: RPCID?, method: String, descriptor: MethodDescriptor, session: Session) -> DispatchReply? {
        if let (error, close) = session.gate.check(descriptor.auth, method: method) {
            // A notification cannot be answered; an unauthenticated sender is still disconnected.
            return DispatchReply(message: id.map { RPCMessage.error(id: $0, error) }, closeConnection: close)
        }
        if descriptor.handshake == .required, session.gate.snapshot.protocolVersion == nil {
            return answer(id, RPCError(code: RPCErrorCode.handshakeRequired,
                                      message: "protocol handshake required: call server.handshake before '\(method)'"))
        }
        return nil
    }

    private func answer(_ id: RPCID?, result: JSONValue) -> DispatchReply {
        guard let id else { return DispatchReply(message: nil) }
        return DispatchReply(message: RPCMessage.result(id: id, result))
    }

    /// What a handler's failure becomes on the wire: params that did not decode are -32602 (or
    /// the method's own code), an `RPCError` goes out as thrown, anything else is -32603.
    private func answer(_ id: RPCID?, failure: any Error, of descriptor: MethodDescriptor) -> DispatchReply {
        switch failure {
        case let invalid as InvalidParams:
            let code = descriptor.paramsErrorCode ?? RPCErrorCode.invalidParams
            let prefix = descriptor.paramsErrorPrefix.map { "\($0): " } ?? ""
            return answer(id, RPCError(code: code, message: prefix + invalid.message))
        case let error as RPCError:
            return answer(id, error)
        case is CancellationError:
            // The connection went (or the deadline passed) while the handler waited: nobody
            // is left to read this, and it is no fault to log.
            return answer(id, RPCError(code: RPCErrorCode.internalError, message: "internal error: cancelled"))
        default:
            log("handler for \(descriptor.name) failed: \(failure)")
            return answer(id, RPCError(code: RPCErrorCode.internalError, message: "internal error"))
        }
    }

    /// A batch: each element is dispatched in turn and the replies are collected; notifications
    /// contribute nothing, and a batch of only notifications gets no reply at all. `each` runs
    /// every element's dispatch, so the transport can bound each one by its own deadline.
    public func dispatchBatch(
        _ elements: [JSONValue], session: Session,
        each: @escaping @Sendable (RPCID?, String, @escaping @Sendable () async -> DispatchReply) async -> DispatchReply = { await $2() }
    ) async -> DispatchReply {
        if elements.isEmpty {
            return reply(nil, RPCError(code: RPCErrorCode.invalidRequest, message: "invalid request: empty batch"))
        }
        var replies: [JSONValue] = []
        var close = false
        for element in elements {
            let outcome: DispatchReply
            switch RPCInbound(element) {
            case .request(let id, let method, let params):
                outcome = await each(id, method) { await self.dispatch(id: id, method: method, params: params, session: session) }
            case .notification(let method, let params):
                outcome = await each(nil, method) { await self.dispatch(id: nil, method: method, params: params, session: session) }
            case .invalid(let id, let error):
                outcome = reply(id, error)
            case .response:
                // Replies to our own requests belong to the connection, not the batch path.
                outcome = reply(nil, RPCError(code: RPCErrorCode.invalidRequest,
                                              message: "invalid request: a response inside a batch"))
            }
            if let message = outcome.message { replies.append(message) }
            if outcome.closeConnection { close = true; break }
        }
        return DispatchReply(message: replies.isEmpty ? nil : .array(replies), closeConnection: close)
    }

    private func reply(_ id: RPCID?, _ error: RPCError) -> DispatchReply {
        DispatchReply(message: RPCMessage.error(id: id, error))
    }

    /// A handler's outcome for a request; a notification gets no reply even when it fails,
    /// as JSON-RPC requires.
    private func answer(_ id: RPCID?, _ error: RPCError) -> DispatchReply {
        guard let id else { return DispatchReply(message: nil) }
        return reply(id, error)
    }

    /// The method's own handler deadline from the spec, when it declares one.
    public func deadline(for method: String) -> Duration? {
        index[method].flatMap { routeDescriptors[$0].deadlineMilliseconds }.map { .milliseconds($0) }
    }

    /// Object-shaped params accept absent and `null` as `{}`: the clients send `null` for
    /// methods without arguments.
    private func normalizedParams(_ params: JSONValue?) -> JSONValue {
        switch params {
        case nil, .null?: .object([:])
        case let value?: value
        }
    }

    private func approvalStep(for descriptor: MethodDescriptor, params: JSONValue?, session: Session)
        -> (@Sendable () async throws -> Void)?
    {
        let gatekeeper = approvals
        let gated = gatekeeper.map { $0.isGated(descriptor) } ?? (descriptor.approval == .gated)
        guard gated else { return nil }
        let method = descriptor.name
        let clientID = session.clientID
        let preview = params ?? .null
        return {
            guard let gatekeeper else {
                throw RPCError(code: RPCErrorCode.approvalDenied,
                               message: "approval denied: no approval gate is available for '\(method)'")
            }
            try await gatekeeper.requireApproval(method: method, params: preview, clientID: clientID)
        }
    }
}
