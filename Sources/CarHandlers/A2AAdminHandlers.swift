import CarA2A
import CarA2UI
import CarGenerated
import CarIO
import CarJSON
import CarRPC

/// `a2a.*`: the listener's lifecycle, outbound sends, the peer registry and the tokens peers
/// present to this daemon.
extension CarHandler {
    public func a2aStart(_ params: CarMethods.A2aStart.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aStart.Result {
        .init(bound: try await state.a2a.start(params, session: context.session))
    }

    public func a2aStop(_ params: CarMethods.A2aStop.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aStop.Result {
        try await state.a2a.stop(by: context.session)
        return .init(stopped: true)
    }

    public func a2aStatus(_ params: CarMethods.A2aStatus.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aStatus.Result {
        state.a2a.status
    }

    public func a2aSend(_ params: CarMethods.A2aSend.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aSend.Result {
        var credential: A2UIRouteAuth?
        if let raw = params.routeAuth {
            credential = try Self.a2ui { () throws(A2UIError) in try A2UIIngestRequest.routeAuth(.object(raw)) }
        }
        let given = JSONValue.object(params.message)
        let message = try await Self.a2aMapped { () throws(A2AError) in
            A2ACodec(.v1_0).encode(try A2ACodec.decodeMessageInEitherShape(given))
        }
        let client = state.a2a.client
        let reply = try await Self.a2aMapped { () async throws(A2AError) in
            try await client.send(endpoint: params.endpoint, message: message, blocking: params.blocking ?? false,
                                  credential: credential, allowUntrusted: params.allowUntrustedEndpoint ?? false)
        }
        let ingesting = params.ingestA2ui ?? true, kept = credential
        let endpoint = params.endpoint, allowUntrusted = params.allowUntrustedEndpoint ?? false, routeAuth = params.routeAuth
        let prepare = { @Sendable () throws -> (JSONValue, A2UIIngestRequest?) in
            let result: JSONValue
            do {
                result = try A2AHub.inV1(reply)
            } catch let error as A2AError {
                throw RPCError(code: error.code, message: error.message, data: error.data)
            }
            guard ingesting else { return (result, nil) }
            // A peer that echoes the credential must not put it on a surface every subscriber sees.
            let output = A2ARedaction.redacting(kept, in: A2AHub.peerOutput(result))
            var ingest: [String: JSONValue] = ["payload": output, "endpoint": .string(endpoint), "allowUntrustedEndpoint": .bool(allowUntrusted)]
            if let routeAuth { ingest["routeAuth"] = .object(routeAuth) }
            return (result, try Self.a2ui { () throws(A2UIError) in try A2UIIngestRequest(ingest) })
        }
        // A reply may hold megabytes: converting and scanning a large one run off the loop. (The
        // peer has the message already: a refusal here says so, as a retry would send it again.)
        let (result, request): (JSONValue, A2UIIngestRequest?)
        if JSONWriter.surelyExceeds(reply.result, 16 << 10) {
            do {
                (result, request) = try await BlockingPool.compute.run(prepare)
            } catch let error as RPCError {
                throw error
            } catch {
                throw CarErrors.internalError("the peer took the message, but its reply could not be read now (\(error)); it is not sent again")
            }
        } else {
            (result, request) = try prepare()
        }
        guard let request else { return .init(a2ui: .init(applied: []), result: result) }
        let outcome = state.a2ui.ingest(request)
        return .init(a2ui: .init(applied: outcome["applied"]?.arrayValue ?? [], rejected: outcome["rejected"]?.arrayValue),
                     result: result)
    }

    public func a2aPeersAdd(_ params: CarMethods.A2aPeersAdd.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aPeersAdd.Result {
        // A registered peer is called by discovery for every session: one beyond this machine
        // is the host's to add.
        if params.allowUntrusted == true, state.authEnabled, !context.session.isHostRole {
            throw CarErrors.forbidden("registering a peer beyond loopback (allowUntrusted) needs a host-role session")
        }
        let registry = try peers()
        let peer = try await Self.a2aMapped { () async throws(A2AError) in
            try await registry.add(url: params.url, label: params.label, allowUntrusted: params.allowUntrusted ?? false)
        }
        return .init(label: peer.label, slug: peer.slug, url: peer.url)
    }

    public func a2aPeersList(_ params: CarMethods.A2aPeersList.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aPeersList.Result {
        let list = await (try peers()).list()
        return .init(peers: list.map { CarSchemas.A2aPeerEntry(label: $0.label, slug: $0.slug, url: $0.url) })
    }

    public func a2aPeersRemove(_ params: CarMethods.A2aPeersRemove.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aPeersRemove.Result {
        let registry = try peers()
        return .init(removed: try await Self.a2aMapped { () async throws(A2AError) in try await registry.remove(slug: params.slug) })
    }

    public func a2aTokensIssue(_ params: CarMethods.A2aTokensIssue.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aTokensIssue.Result {
        guard state.authEnabled else {
            throw CarErrors.invalidRequest("auth is off (--no-auth): the A2A listeners take requests without a bearer, so a token would protect nothing")
        }
        let tokens = state.a2a.tokens
        let issued = try await Self.a2aMapped { () async throws(A2AError) in try await tokens.issue(label: params.label) }
        return .init(createdAt: issued.createdAt, id: issued.id, label: issued.label, token: issued.secret)
    }

    public func a2aTokensList(_ params: CarMethods.A2aTokensList.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aTokensList.Result {
        let tokens = state.a2a.tokens
        return .init(problem: tokens.problem,
                     tokens: tokens.tokens.map { CarSchemas.A2aTokenEntry(createdAt: $0.createdAt, id: $0.id, label: $0.label) })
    }

    public func a2aTokensRevoke(_ params: CarMethods.A2aTokensRevoke.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.A2aTokensRevoke.Result {
        let tokens = state.a2a.tokens
        return .init(revoked: try await Self.a2aMapped { () async throws(A2AError) in try await tokens.revoke(id: params.id) })
    }

    private func peers() throws -> A2APeerRegistry {
        guard let registry = state.a2a.peers else { throw CarErrors.internalError("this daemon keeps no A2A peer registry (no state root)") }
        return registry
    }

    /// An A2A error keeps its code (JSON-RPC's own, or -32602 for a refused endpoint).
    static func a2aMapped<T>(_ body: () async throws(A2AError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw RPCError(code: error.code, message: error.message, data: error.data)
        }
    }
}
