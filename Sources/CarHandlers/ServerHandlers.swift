import CarGenerated
import CarRPC

extension CarHandler {
    /// Capabilities a client may require at handshake; none are defined yet, so any
    /// requirement is one this server cannot meet.
    static let capabilities: Set<String> = []

    public func serverHandshake(
        _ params: CarMethods.ServerHandshake.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.ServerHandshake.Result {
        let supported = CarSpecInfo.supportedWireProtocols
        let speaks = supported.map { "v\($0)" }.joined(separator: " and ")
        guard let requested = params.protocolVersion else {
            throw CarErrors.protocolMismatch("protocol_version is missing; server speaks \(speaks)")
        }
        guard supported.contains(requested) else {
            throw CarErrors.protocolMismatch("client speaks v\(requested), server speaks \(speaks)")
        }
        let missing = (params.requiredCapabilities ?? []).filter { !Self.capabilities.contains($0) }
        guard missing.isEmpty else {
            throw CarErrors.protocolMismatch("unsupported required capabilities: \(missing.sorted().joined(separator: ", "))")
        }
        context.session.recordClientVersion(params.clientVersion)
        context.session.gate.negotiate(protocolVersion: requested)
        return .init(clientProtocolVersion: requested, implementation: CarSpecInfo.implementationName,
                     implementationVersion: CarSpecInfo.implementationVersion, protocolVersion: requested,
                     serverVersion: CarSpecInfo.serverVersion)
    }

    public func serverPing(
        _ params: CarMethods.ServerPing.Params, context: RPCContext<ClientSession>
    ) throws -> CarMethods.ServerPing.Result {
        .init()
    }

    public func rpcDiscover(
        _ params: CarMethods.RpcDiscover.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.RpcDiscover.Result {
        OpenRPCDocument.value
    }
}

/// The OpenRPC document as a JSON value, parsed once from the generated text.
enum OpenRPCDocument {
    static let value: JSONValue = (try? JSONParser.parse(CarSpecInfo.openRPCJSON)) ?? .null
}
