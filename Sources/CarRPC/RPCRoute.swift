/// One entry of a dispatch table: a method's descriptor and a type-erased call that decodes
/// the params into the method's `Params`, runs the handler and encodes its `Result`.
/// Generated code builds one route per client→server method; nothing here names a method.
public struct RPCRoute<Session: RPCSession>: Sendable {
    public typealias Invoke = @Sendable (
        _ params: JSONValue, _ context: RPCContext<Session>, _ beforeHandler: (@Sendable () async throws -> Void)?
    ) async throws -> JSONValue

    /// The synchronous form of an inline handler (see `RPCDispatcher.dispatchInline`).
    public typealias InvokeInline = @Sendable (_ params: JSONValue, _ context: RPCContext<Session>) throws -> JSONValue

    public let descriptor: MethodDescriptor
    let invoke: Invoke
    let invokeInline: InvokeInline?

    public init<M: RPCRequestMethod>(
        _ method: M.Type,
        handler: @escaping @Sendable (M.Params, RPCContext<Session>) async throws -> M.Result
    ) {
        self.descriptor = M.descriptor
        self.invokeInline = nil
        self.invoke = { params, context, beforeHandler in
            let decoded = try ParamsCoding.decode(M.Params.self, from: params)
            if let beforeHandler { try await beforeHandler() }
            let result = try await handler(decoded, context)
            return try ParamsCoding.encodeResult(result)
        }
    }

    /// A request whose handler never waits: the dispatcher may run it on the caller's thread.
    /// It still has the task form, for batches and for an embedder's approval gate.
    public init<M: RPCRequestMethod>(
        _ method: M.Type,
        inline handler: @escaping @Sendable (M.Params, RPCContext<Session>) throws -> M.Result
    ) {
        self.descriptor = M.descriptor
        let run: InvokeInline = { params, context in
            try ParamsCoding.encodeResult(try handler(try ParamsCoding.decode(M.Params.self, from: params), context))
        }
        self.invokeInline = run
        self.invoke = Self.taskForm(of: run, decoding: M.Params.self)
    }

    public init<M: RPCNotificationMethod>(
        _ method: M.Type,
        handler: @escaping @Sendable (M.Params, RPCContext<Session>) async throws -> Void
    ) {
        self.descriptor = M.descriptor
        self.invokeInline = nil
        self.invoke = { params, context, beforeHandler in
            let decoded = try ParamsCoding.decode(M.Params.self, from: params)
            if let beforeHandler { try await beforeHandler() }
            try await handler(decoded, context)
            return .null
        }
    }

    /// A notification whose handler never waits (a relay that must keep the sender's order):
    /// the dispatcher runs it on the caller's thread when nothing else of the connection runs.
    public init<M: RPCNotificationMethod>(
        _ method: M.Type,
        inline handler: @escaping @Sendable (M.Params, RPCContext<Session>) throws -> Void
    ) {
        self.descriptor = M.descriptor
        let run: InvokeInline = { params, context in
            try handler(try ParamsCoding.decode(M.Params.self, from: params), context)
            return .null
        }
        self.invokeInline = run
        self.invoke = Self.taskForm(of: run, decoding: M.Params.self)
    }

    /// An inline handler run as a task (in a batch, or behind an approval gate).
    private static func taskForm<P: Decodable>(of run: @escaping InvokeInline, decoding _: P.Type) -> Invoke {
        { params, context, beforeHandler in
            if let beforeHandler {
                // Decode first so bad params are refused before anyone is asked to approve.
                _ = try ParamsCoding.decode(P.self, from: params)
                try await beforeHandler()
            }
            return try run(params, context)
        }
    }
}

/// A params value that did not match the method's schema. Kept apart from errors a handler
/// throws, so only genuine input problems become -32602.
public struct InvalidParams: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

enum ParamsCoding {
    static let decoder = JSONValueDecoder()
    static let encoder = JSONValueEncoder()

    static func decode<T: Decodable>(_ type: T.Type, from params: JSONValue) throws -> T {
        do {
            return try decoder.decode(type, from: params)
        } catch let error as DecodingError {
            throw InvalidParams(message: DecodingErrorDescription.describe(error))
        }
    }

    static func encodeResult<T: Encodable>(_ value: T) throws -> JSONValue {
        try encoder.encode(value)
    }
}
