import CarGenerated
import CarMessaging
import CarRPC

// The approval-transport configuration surface. Every method is host-only in the spec, so
// the dispatcher has already refused sessions without the host role.
extension CarHandler {
    public func messagingConfigGet(
        _ params: CarMethods.MessagingConfigGet.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MessagingConfigGet.Result {
        state.messaging.view(MessagingChannel(wire: params.channel)).wire
    }

    public func messagingConfigSet(
        _ params: CarMethods.MessagingConfigSet.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MessagingConfigSet.Result {
        let change = MessagingChange(enabled: params.enabled, allowlistedHandles: params.allowlistedHandles,
                                     add: params.addHandles ?? [], remove: params.removeHandles ?? [],
                                     botToken: params.botToken, appToken: params.appToken, slackChannel: params.slackChannel)
        do {
            return try state.messaging.apply(change, to: MessagingChannel(wire: params.channel)).wire
        } catch {
            throw error.rpc
        }
    }

    public func messagingPairingStart(
        _ params: CarMethods.MessagingPairingStart.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MessagingPairingStart.Result {
        let (code, view) = state.messaging.startPairing(MessagingChannel(wire: params.channel))
        return .init(config: view.wire, pairingCode: code)
    }

    public func messagingPairingStatus(
        _ params: CarMethods.MessagingPairingStatus.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MessagingPairingStatus.Result {
        let code = state.messaging.pairingCode(MessagingChannel(wire: params.channel))
        return .init(pairingActive: code != nil, pairingCode: code)
    }

    public func messagingStatus(
        _ params: CarMethods.MessagingStatus.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MessagingStatus.Result {
        let status = state.messaging.status(MessagingChannel(wire: params.channel))
        return .init(channel: .init(status.channel), enabled: status.enabled, fdaReadable: status.chatDatabaseReadable,
                     lastError: status.lastSend?.error, lastSendAtMs: status.lastSend.map { Int($0.atMilliseconds) },
                     lastSendOk: status.lastSend?.ok, paired: status.paired, watcherRunning: status.watcherRunning)
    }

    public func messagingTestSend(
        _ params: CarMethods.MessagingTestSend.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MessagingTestSend.Result {
        let outcome = state.messaging.testSend(MessagingChannel(wire: params.channel))
        return .init(error: outcome.error, ok: outcome.ok)
    }
}

extension MessagingChannel {
    /// An absent channel means iMessage, the original single-channel surface.
    init(wire: CarSchemas.MessagingChannel?) {
        self = wire.flatMap { MessagingChannel(rawValue: $0.rawValue) } ?? .imessage
    }
}

extension CarSchemas.MessagingChannel {
    init(_ channel: MessagingChannel) {
        self = CarSchemas.MessagingChannel(rawValue: channel.rawValue)!
    }
}

extension MessagingConfigView {
    var wire: CarSchemas.MessagingConfigView {
        .init(allowlistedHandles: allowlistedHandles, channel: .init(channel), enabled: enabled, pairingActive: pairingActive)
    }
}

extension MessagingError {
    /// A bad request is -32602; what the platform or the disk refused is -32603 with the
    /// reason (a flag that was saved before a watcher failed says so in the reason).
    var rpc: RPCError {
        switch self {
        case .invalid(let reason): CarErrors.invalidParams(reason)
        case .platform(let reason), .storage(let reason): RPCError(code: CarErrors.internalErrorCode, message: "messaging: \(reason)")
        }
    }
}
