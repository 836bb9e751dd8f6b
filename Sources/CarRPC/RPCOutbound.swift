/// The typed side of server→client calls: encode the method's params, send through the
/// peer, decode its result. Generated proxies call these, so they stay one line each.
public enum RPCOutbound {
    public static func call<M: RPCRequestMethod>(
        _ method: M.Type, _ params: M.Params, id: RPCID? = nil, timeout: Duration? = nil, on peer: any RPCPeer
    ) async throws -> M.Result {
        let encoded = try JSONValueEncoder().encode(params)
        let reply = try await peer.call(id: id ?? peer.nextCallID(), method: M.descriptor.name, params: encoded, timeout: timeout)
        do {
            return try JSONValueDecoder().decode(M.Result.self, from: reply)
        } catch let error as DecodingError {
            throw PeerError.malformedReply(method: M.descriptor.name, detail: DecodingErrorDescription.describe(error))
        }
    }

    public static func notify<M: RPCNotificationMethod>(_ method: M.Type, _ params: M.Params, on peer: any RPCPeer) {
        // Encoding a generated params type cannot fail: every member is plain JSON data.
        guard let encoded = try? JSONValueEncoder().encode(params) else { return }
        peer.notify(method: M.descriptor.name, params: encoded)
    }

    /// One notification to many peers, encoded and serialized once.
    public static func broadcast<M: RPCNotificationMethod>(_ method: M.Type, _ params: M.Params, to peers: some Sequence<any RPCPeer>) {
        guard let encoded = try? JSONValueEncoder().encode(params) else { return }
        let message = EncodedNotification(method: M.descriptor.name, params: encoded)
        for peer in peers { peer.notify(message) }
    }
}
