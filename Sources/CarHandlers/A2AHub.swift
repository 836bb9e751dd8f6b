import CarA2A
import CarEngine
import CarIO
import CarJSON
import CarRPC
import CarGenerated
import CarHTTP
import Foundation
import Synchronization

/// Everything A2A in the daemon: the in-core dispatcher (built on first use, the seed's lazy
/// `a2a_dispatcher`), the listener `a2a.start` runs, the outbound client and the peer registry.
public final class A2AHub: Sendable {
    /// The listener `a2a.start` started, with the dispatcher it serves.
    struct Started: Sendable {
        let listener: any A2ARunningListener
        let dispatcher: A2ADispatcher
        let since: ContinuousClock.Instant
        /// The connection whose runtime it serves (`share_session_runtime`): it stops with it.
        let servingClientID: String?
        /// The connection that started it: it, or a host-role session, may stop it.
        let startedBy: String
    }

    /// Between the check and the bind, so two `a2a.start`s cannot both bind; `abandoned` when
    /// the connection it would serve closed, or the daemon stopped, while it was binding.
    private struct Starting: Sendable {
        let servingClientID: String?
        var abandoned = false
    }

    private enum Listener: Sendable {
        case none
        case starting(Starting)
        case running(Started)
        /// The daemon stopped: nothing starts any more.
        case closed
    }

    let config: A2AConfig
    let client: A2AClient
    let peers: A2APeerRegistry?
    private let builtins: BuiltinTools
    private let approvals: HostApprovalGate
    private let toolTimeout: Duration
    private let grace: Duration
    private let conversation: A2ASessionConversation
    private let authEnabled: Bool
    private let lazyDispatcher = Mutex<A2ADispatcher?>(nil)
    /// The URL of the daemon's own listener (`--a2a-bind`), for the in-core dispatcher's card.
    private let daemonURL = Mutex<String?>(nil)
    private let launcher = Mutex<(any A2AListenerLauncher)?>(nil)
    private let listener = Mutex<Listener>(.none)
    private let executor = Mutex<(any TaskExecutor)?>(nil)

    init(config: A2AConfig, approvals: HostApprovalGate, toolTimeout: Duration, grace: Duration, conversation: A2ASessionConversation,
         requiresBearer: Bool) {
        var config = config
        // The listeners demand the daemon's bearer when auth is on: the card must say so, or
        // A2A clients never send it.
        config.card.requiresBearer = config.card.requiresBearer || requiresBearer
        self.config = config
        // A 0.3-only peer gets the same message in 0.3 shapes.
        self.client = A2AClient(limits: config.client, convertMessageTo03: { json in
            A2ACodec(.v0_3).encode(try A2ACodec.decodeMessageInEitherShape(json))
        })
        self.peers = config.peersPath.map { A2APeerRegistry(path: $0) }
        self.builtins = BuiltinTools()
        self.approvals = approvals
        self.toolTimeout = toolTimeout
        self.grace = grace
        self.conversation = conversation
        self.authEnabled = requiresBearer
    }

    /// The tokens issued for A2A peers, which the listeners take besides the daemon's.
    public var tokens: A2AAccessTokens { config.tokens }

    /// The in-core dispatcher: the WebSocket's A2A methods and the `--a2a-bind` listener.
    public var dispatcher: A2ADispatcher {
        lazyDispatcher.withLock { slot in
            if let built = slot { return built }
            let info = cardInfo(publicURL: daemonURL.withLock { $0 })
            let built = A2ADispatcher(runtime: config.runtime ?? BuiltinA2ARuntime(builtins: builtins, approvals: approvals),
                                      store: config.store ?? InMemoryA2ATaskStore(), cardSource: config.cardSource ?? A2ADefaultCardSource(),
                                      info: info, executor: executor.withLock { $0 })
            slot = built
            return built
        }
    }

    /// Where dispatchers run their tasks (the daemon's event loop); set before the first use.
    public func runTasks(on executor: any TaskExecutor) {
        self.executor.withLock { $0 = executor }
    }

    /// The transport's way to bind listeners, and the daemon listener's URL when it has one.
    public func install(launcher: any A2AListenerLauncher) {
        self.launcher.withLock { $0 = launcher }
    }

    public func installDaemonListener(url: String) {
        daemonURL.withLock { $0 = url }
    }

    // MARK: a2a.start / stop / status

    func start(_ params: CarMethods.A2aStart.Params, session: ClientSession) async throws -> String {
        let address = try bindAddress(params, caller: session)
        let publicURL = try params.publicUrl.map(Self.publicURL)
        guard let launcher = launcher.withLock({ $0 }) else {
            throw CarErrors.internalError("this daemon has no HTTP layer to serve A2A on")
        }
        let shared = params.shareSessionRuntime ?? false
        try listener.withLock { state in
            switch state {
            case .none: state = .starting(Starting(servingClientID: shared ? session.clientID : nil))
            case .starting: throw CarErrors.internalError("an A2A listener is already starting")
            case .running(let started): throw CarErrors.internalError("an A2A listener is already running on \(started.listener.bound); a2a.stop it first")
            case .closed: throw CarErrors.internalError("the daemon is stopping")
            }
        }
        let slot = Mutex<A2ADispatcher?>(nil)
        let running: any A2ARunningListener
        do {
            // Binding waits for the event loop to register the listener: never on the loop itself.
            running = try await BlockingPool.shared.run {
                try launcher.launch(host: address.host, port: address.port, rpcPath: publicURL?.path, dispatcher: { slot.withLock { $0 } })
            }
        } catch {
            listener.withLock { if case .starting = $0 { $0 = .none } }
            throw CarErrors.internalError("could not bind \(params.bind): \(error)")
        }
        var info = cardInfo(publicURL: publicURL?.url ?? "http://\(running.bound)/")
        if let name = params.agentName { info.name = name }
        if let description = params.agentDescription { info.description = description }
        if let organization = params.organization { info.organization = organization }
        if let url = params.organizationUrl { info.organizationURL = url }
        let runtime: any A2ARuntime = shared
            ? SessionA2ARuntime(session: session, builtins: builtins, approvals: approvals, toolTimeout: toolTimeout, grace: grace,
                                conversation: conversation)
            : BuiltinA2ARuntime(builtins: builtins, approvals: approvals)
        let dispatcher = A2ADispatcher(runtime: runtime, store: InMemoryA2ATaskStore(), cardSource: config.cardSource ?? A2ADefaultCardSource(),
                                       info: info, executor: executor.withLock { $0 })
        slot.withLock { $0 = dispatcher }
        let started = Started(listener: running, dispatcher: dispatcher, since: .now, servingClientID: shared ? session.clientID : nil,
                              startedBy: session.clientID)
        let kept = listener.withLock { state -> Bool in
            guard case .starting(let starting) = state, !starting.abandoned else { return false }
            state = .running(started)
            return true
        }
        guard kept else {
            await Self.end(started)
            throw CarErrors.internalError("the A2A listener was closed as it started: its connection closed or the daemon is stopping")
        }
        return running.bound
    }

    func stop(by caller: ClientSession) async throws {
        let started = try listener.withLock { state -> Started? in
            guard case .running(let started) = state else { return nil }
            // With auth off every connection is the authority (a listener whose starter went
            // would otherwise hold the slot until a restart).
            guard started.startedBy == caller.clientID || caller.isHostRole || !authEnabled else {
                throw CarErrors.forbidden("the A2A listener on \(started.listener.bound) was started by another connection; only it or a host-role session may stop it")
            }
            state = .none
            return started
        }
        guard let started else { throw CarErrors.internalError("no A2A listener is running (a2a.start one first)") }
        await Self.end(started)
    }

    var status: CarMethods.A2aStatus.Result {
        guard case .running(let started) = listener.withLock({ $0 }) else { return .init(running: false) }
        let uptime = Int((ContinuousClock.now - started.since).components.seconds)
        return .init(bound: started.listener.bound, running: true, uptimeSecs: uptime)
    }

    /// A listener serving a connection's runtime ends with that connection (also one still
    /// binding: it is closed as soon as it is bound).
    func connectionClosed(_ clientID: String) {
        let started = listener.withLock { state -> Started? in
            switch state {
            case .starting(var starting) where starting.servingClientID == clientID:
                starting.abandoned = true
                state = .starting(starting)
                return nil
            case .running(let started) where started.servingClientID == clientID:
                state = .none
                return started
            default:
                return nil
            }
        }
        // Called on the event loop, which closing a listener waits for.
        if let started { Thread.detachNewThread { Self.endNow(started) } }
    }

    /// The daemon stops: so does the listener (one still binding is closed once bound), and
    /// every task's work. Not on the event loop.
    public func shutdown() {
        let started = listener.withLock { state -> Started? in
            defer { state = .closed }
            guard case .running(let started) = state else { return nil }
            return started
        }
        if let started { Self.endNow(started) }
        lazyDispatcher.withLock { $0 }?.shutdown()
    }

    /// Closing waits for the event loop, so it runs on a thread of its own: not a pool job a
    /// full pool or a cancelled request could skip, which would leave the port bound.
    private static func end(_ started: Started) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                endNow(started)
                done.resume()
            }
        }
    }

    /// The dispatcher first: its waits end and streams close, so requests in flight are
    /// answered before the listener closes their connections.
    private static func endNow(_ started: Started) {
        started.dispatcher.shutdown()
        started.listener.stop()
    }

    /// The card's defaults (an embedder's or the flags'), served at `publicURL`.
    private func cardInfo(publicURL: String?) -> A2ACardInfo {
        var info = config.card
        info.publicURL = publicURL ?? info.publicURL
        return info
    }

    /// `bind` as an address to listen on: loopback, unless a host-role session allows more
    /// on a daemon whose auth is on (beyond this machine, only a bearer keeps strangers out).
    private func bindAddress(_ params: CarMethods.A2aStart.Params, caller: ClientSession) throws -> ListenAddress {
        guard let address = ListenAddress.parse(params.bind) else {
            throw CarErrors.invalidParams("bind must be host:port (127.0.0.1:0 picks a free port), got '\(params.bind)'")
        }
        if !address.isLoopback {
            guard params.allowNonLoopbackBind ?? false else {
                throw CarErrors.invalidParams("bind \(params.bind) is not a loopback address; pass allow_non_loopback_bind: true to serve A2A beyond this machine")
            }
            guard authEnabled else {
                throw CarErrors.invalidParams("bind \(params.bind) would serve A2A beyond this machine without a bearer: this daemon runs with auth off (--no-auth)")
            }
            guard caller.isHostRole else {
                throw CarErrors.forbidden("serving A2A beyond this machine (allow_non_loopback_bind) needs a host-role session")
            }
        }
        return address.literal
    }

    /// `public_url` checked: http(s) with a host; its path is served too (behind a proxy that
    /// keeps the path).
    private static func publicURL(_ text: String) throws -> (url: String, path: String?) {
        // The outbound client's strict reading: what the card names is what it serves.
        let path: String
        do {
            path = try A2AEndpoint.parse(text, field: "public_url", allowQuery: false, maxLength: 2_048).path
        } catch {
            throw CarErrors.invalidParams(error.reason)
        }
        return (text, path.isEmpty || path == "/" ? nil : path)
    }
}
