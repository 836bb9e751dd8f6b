import CarA2UI
import CarIO
import CarJSON
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The daemon's outbound A2A client (`a2a.send`, discovery's card fetch), over URLSession.
///
/// Version: a send first speaks 1.0 (`SendMessage`, `A2A-Version: 1.0`); a peer that answers
/// -32601 or -32009 only speaks 0.3, and the call is made once more as `message/send`. The
/// agent card is not read first to choose: that would cost every send a round trip, and the
/// card's interface URL may differ from the endpoint the caller gave and the gate checked.
///
/// Guards, on every call: only http(s); a non-loopback endpoint (or redirect hop) is refused
/// unless the caller allows untrusted endpoints; the credential is sent only to the origin it
/// was given for; deadline, body size and calls in flight are bounded by `A2AClientLimits`.
/// Errors name the endpoint without its query, and never carry the credential.
///
/// On Linux, URLSession runs on libcurl, which honours `http_proxy`/`https_proxy`/`no_proxy`
/// from the environment: the gate judges the URL, not the proxy a deployment routes it through.
public final class A2AClient: Sendable {
    /// Turns a 1.0 `Message` into its 0.3 shape (`kind:"message"`, `role:"user"`, parts with
    /// `kind`). The seam where the A2A codec plugs in; a thrown error fails the 0.3 retry.
    public typealias MessageConverter = @Sendable (JSONValue) throws -> JSONValue

    public let limits: A2AClientLimits
    private let convertMessageTo03: MessageConverter
    private let transport: A2AHTTPTransport
    private let slots: A2AOutboundSlots

    public init(limits: A2AClientLimits = A2AClientLimits(), convertMessageTo03: @escaping MessageConverter) {
        self.limits = limits
        self.convertMessageTo03 = convertMessageTo03
        transport = A2AHTTPTransport()
        slots = A2AOutboundSlots(limit: limits.maxConcurrentCalls)
    }

    /// Calls in flight now, for status and tests.
    public var callsInFlight: Int { slots.count }

    /// Sends `message` (a 1.0 `Message`) to `endpoint` and returns the peer's `result` in the
    /// version it was answered in. `blocking` false asks the peer to answer at once
    /// (`returnImmediately` / `blocking:false`); true waits for the task, up to `blockingTimeout`.
    /// The deadline is per request: a 0.3 retry gets its own (a 1.0 refusal comes back at once).
    public func send(
        endpoint: String, message: JSONValue, blocking: Bool, credential: A2UIRouteAuth?, allowUntrusted: Bool
    ) async throws(A2AError) -> A2AOutboundReply {
        let target = try checkedEndpoint(endpoint, allowUntrusted: allowUntrusted)
        guard case .object = message else {
            throw A2AError(code: A2AError.invalidParamsCode, message: "message must be an object (an A2A Message)")
        }
        let header = try credential?.outboundHeader()
        try takeSlot()
        defer { slots.release() }
        let timeout = blocking ? limits.blockingTimeout : limits.requestTimeout

        let first = try await call(
            target, method: "SendMessage", version: .v1_0,
            params: ["message": message, "configuration": ["returnImmediately": .bool(!blocking)]],
            header: header, credential: credential, allowUntrusted: allowUntrusted, timeout: timeout)
        switch first {
        case .result(let result):
            return A2AOutboundReply(version: .v1_0, result: result)
        case .error(let code, let text, let data)
            where code != A2AError.methodNotFoundCode && code != A2AError.versionNotSupportedCode:
            throw peerError(code: code, message: text, data: data, credential: credential)
        case .error:
            break
        }

        // A 0.3-only peer: the same message once more, in 0.3's shapes.
        let converted: JSONValue
        do {
            converted = try convertMessageTo03(message)
        } catch let error as A2AError {
            throw error
        } catch {
            throw A2AError(code: A2AError.invalidParamsCode, message: "the peer speaks only A2A 0.3 and the message cannot be converted to 0.3: \(String(describing: error).prefix(300))")
        }
        guard case .object = converted else {
            throw A2AError(code: A2AError.internalErrorCode, message: "the 0.3 message converter returned \(converted.typeName), not an object")
        }
        let second = try await call(
            target, method: "message/send", version: .v0_3,
            params: ["message": converted, "configuration": ["blocking": .bool(blocking)]],
            header: header, credential: credential, allowUntrusted: allowUntrusted, timeout: timeout)
        switch second {
        case .result(let result):
            return A2AOutboundReply(version: .v0_3, result: result)
        case .error(let code, let text, let data):
            var error = peerError(code: code, message: text, data: data, credential: credential)
            if code == A2AError.methodNotFoundCode {
                error.message += " (the peer refused both SendMessage (A2A 1.0) and message/send (A2A 0.3))"
            }
            throw error
        }
    }

    /// The peer's agent card: GET `<origin of baseURL>/.well-known/agent-card.json`, with the
    /// same guards and bounds as a send (any path or query of `baseURL` is not used).
    public func fetchAgentCard(baseURL: String, credential: A2UIRouteAuth?, allowUntrusted: Bool) async throws(A2AError) -> JSONValue {
        let base = try checkedEndpoint(baseURL, allowUntrusted: allowUntrusted)
        var target = base
        target.path = "/.well-known/agent-card.json"
        target.query = nil
        let header = try credential?.outboundHeader()
        try takeSlot()
        defer { slots.release() }

        var request = URLRequest(url: try url(for: target))
        request.httpMethod = "GET"
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue(A2AProtocolVersion.v1_0.rawValue, forHTTPHeaderField: "A2A-Version")
        if let header { request.setValue(header.value, forHTTPHeaderField: header.name) }
        let response = try await perform(request, target: target, header: header, allowUntrusted: allowUntrusted, timeout: limits.requestTimeout)
        guard response.isSuccess else {
            throw A2AError(code: A2AError.internalErrorCode, message: "peer \(target.displayed) answered HTTP \(response.status) for its agent card")
        }
        let body = response.body
        guard let parsed = await Self.parsed(size: body.count, { try? JSONParser.parse(body) }) else { throw Self.busy }
        guard let card = parsed, case .object = card else {
            throw A2AError(code: A2AError.internalErrorCode, message: "peer \(target.displayed) served an agent card that is not a JSON object")
        }
        return card
    }

    // MARK: - One exchange

    private func call(
        _ target: A2AEndpoint, method: String, version: A2AProtocolVersion, params: JSONValue,
        header: (name: String, value: String)?, credential: A2UIRouteAuth?, allowUntrusted: Bool, timeout: Duration
    ) async throws(A2AError) -> A2AJSONRPCReply {
        let envelope: JSONValue = [
            "jsonrpc": "2.0", "id": .string(UUID().uuidString.lowercased()), "method": .string(method), "params": params,
        ]
        let body = JSONWriter.bytes(envelope)
        guard body.count <= limits.maxRequestBytes else {
            throw A2AError(code: A2AError.invalidParamsCode, message: "the request is larger than \(limits.maxRequestBytes) bytes")
        }
        var request = URLRequest(url: try url(for: target))
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue(version.rawValue, forHTTPHeaderField: "A2A-Version")
        if let header { request.setValue(header.value, forHTTPHeaderField: header.name) }
        let response = try await perform(request, target: target, header: header, allowUntrusted: allowUntrusted, timeout: timeout)
        let display = target.displayed
        guard let reply = await Self.parsed(size: response.body.count, {
            Result { () throws(A2AError) in try A2AJSONRPCReply.parse(response, display: display) }
        }) else {
            throw A2AError(code: A2AError.internalErrorCode,
                           message: "peer \(display) answered, but the daemon is too busy to read the answer now; the peer has the request, so sending it again repeats it")
        }
        switch reply {
        case .success(let reply): return reply
        case .failure(let error): throw A2AError(code: error.code, message: A2ARedaction.redacting(credential, in: error.message))
        }
    }

    /// Runs a parse of `size` bytes; a large one on the compute pool, where the daemon parses
    /// large messages, never on the caller's thread (nil when that pool refuses it).
    private static func parsed<T: Sendable>(size: Int, _ parse: @escaping @Sendable () -> T) async -> T? {
        guard size > 64 << 10 else { return parse() }
        return try? await BlockingPool.compute.run(parse)
    }

    private static let busy = A2AError(code: A2AError.internalErrorCode, message: "the daemon is too busy to read the peer's answer; try again")

    private func perform(
        _ request: URLRequest, target: A2AEndpoint, header: (name: String, value: String)?, allowUntrusted: Bool, timeout: Duration
    ) async throws(A2AError) -> A2AHTTPResponse {
        let policy = A2ARedirectPolicy(
            original: target, allowUntrusted: allowUntrusted, maxRedirects: limits.maxRedirects,
            maxEndpointLength: limits.maxEndpointLength, credentialHeaders: header.map { [$0.name.lowercased()] } ?? [])
        switch await transport.perform(request, policy: policy, timeout: timeout, maxBytes: limits.maxResponseBytes) {
        case .success(let response):
            return response
        case .failure(.redirectRefused(let hop, let reason)):
            throw A2AError(code: A2AError.invalidParamsCode, message: "\(target.displayed) redirected to \(hop); refused: \(reason)")
        case .failure(.tooLarge(let limit)):
            throw A2AError(code: A2AError.internalErrorCode, message: "the reply of \(target.displayed) is larger than \(limit) bytes; refused")
        case .failure(let failure):
            throw A2AError(code: A2AError.internalErrorCode, message: "could not reach \(target.displayed): \(failure.reason)")
        }
    }

    // MARK: - Guards

    /// Parses the endpoint and applies the trust gate, before anything goes on the network.
    private func checkedEndpoint(_ text: String, allowUntrusted: Bool) throws(A2AError) -> A2AEndpoint {
        let endpoint: A2AEndpoint
        do {
            endpoint = try A2AEndpoint.parse(text, field: "endpoint", allowQuery: true, maxLength: limits.maxEndpointLength)
        } catch {
            throw A2AError(code: A2AError.invalidParamsCode, message: error.reason)
        }
        guard allowUntrusted || endpoint.isLoopback else {
            throw A2AError(
                code: A2AError.invalidParamsCode,
                message: "endpoint \(endpoint.displayed) is not a loopback host; set allowUntrustedEndpoint to call it")
        }
        _ = try url(for: endpoint)
        return endpoint
    }

    /// Foundation's URL for the endpoint, refused when Foundation reads a different host than
    /// the gate did (the two parsers must agree on where the call goes).
    private func url(for endpoint: A2AEndpoint) throws(A2AError) -> URL {
        guard let url = URL(string: endpoint.requestString), let host = url.host?.lowercased(),
              Self.bare(host) == Self.bare(endpoint.host), url.port ?? (endpoint.scheme == "https" ? 443 : 80) == endpoint.effectivePort
        else {
            throw A2AError(code: A2AError.invalidParamsCode, message: "endpoint \(endpoint.displayed) is not a URL Foundation reads the same way")
        }
        return url
    }

    private static func bare(_ host: String) -> Substring {
        host.hasPrefix("[") && host.hasSuffix("]") ? host.dropFirst().dropLast() : Substring(host)
    }

    private func takeSlot() throws(A2AError) {
        guard slots.acquire() else {
            throw A2AError(
                code: A2AError.internalErrorCode,
                message: "too many outbound A2A calls in flight (limit \(slots.limit)); try again when one has finished")
        }
    }

    /// The peer's error, marked as the peer's, its text bounded and any echo of our secret removed.
    /// The text is redacted before it is cut, so a cut through an echo keeps no part of it. The
    /// data is dropped when it holds the secret anywhere: found by `A2ARedaction`'s walk of its
    /// strings and keys, which sees a secret the writer would escape (`"`, `\`).
    private func peerError(code: Int, message: String, data: JSONValue?, credential: A2UIRouteAuth?) -> A2AError {
        let redacted = A2ARedaction.redacting(credential, in: message)
        var text = String(redacted.prefix(limits.maxPeerMessageLength))
        if text.count < redacted.count { text += "…" }
        var kept: JSONValue?
        if let data, data != .null, JSONWriter.encodedCount(data) <= limits.maxPeerErrorDataBytes {
            if A2ARedaction.redacting(credential, in: data) == data { kept = data }
        }
        return A2AError(code: code, message: "peer: " + (text.isEmpty ? "error \(code)" : text), data: kept)
    }
}
