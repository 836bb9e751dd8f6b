import CarA2A
import CarEngine
import CarIO
import CarJSON
import CarRPC
import CarGenerated
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

    private enum Listener: Sendable {
        case none
        /// Between the check and the bind, so two `a2a.start`s cannot both bind.
        case starting
        case running(Started)
    }

    let config: A2AConfig
    let client: A2AClient
    let peers: A2APeerRegistry?
    private let builtins: BuiltinTools
    private let approvals: HostApprovalGate
    private let toolTimeout: Duration
    private let grace: Duration
    private let conversation: A2ASessionConversation
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
    }

    /// The in-core dispatcher: the WebSocket's A2A methods and the `--a2a-bind` listener.
    public var dispatcher: A2ADispatcher {
        lazyDispatcher.withLock { slot in
            if let built = slot { return built }
            var info = config.card
            info.publicURL = daemonURL.withLock { $0 } ?? info.publicURL
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
        let (host, port) = try Self.bind(params.bind, allowNonLoopback: params.allowNonLoopbackBind ?? false)
        guard let launcher = launcher.withLock({ $0 }) else {
            throw CarErrors.internalError("this daemon has no HTTP layer to serve A2A on")
        }
        try listener.withLock { state in
            switch state {
            case .none: state = .starting
            case .starting: throw CarErrors.internalError("an A2A listener is already starting")
            case .running(let started): throw CarErrors.internalError("an A2A listener is already running on \(started.listener.bound); a2a.stop it first")
            }
        }
        let slot = Mutex<A2ADispatcher?>(nil)
        let running: any A2ARunningListener
        do {
            // Binding waits for the event loop to register the listener: never on the loop itself.
            running = try await BlockingPool.shared.run { try launcher.launch(host: host, port: port, dispatcher: { slot.withLock { $0 } }) }
        } catch {
            listener.withLock { $0 = .none }
            throw CarErrors.internalError("could not bind \(params.bind): \(error)")
        }
        var info = config.card
        if let name = params.agentName { info.name = name }
        if let description = params.agentDescription { info.description = description }
        if let organization = params.organization { info.organization = organization }
        if let url = params.organizationUrl { info.organizationURL = url }
        info.publicURL = params.publicUrl ?? "http://\(running.bound)/"
        let shared = params.shareSessionRuntime ?? false
        let runtime: any A2ARuntime = shared
            ? SessionA2ARuntime(session: session, builtins: builtins, approvals: approvals, toolTimeout: toolTimeout, grace: grace,
                                conversation: conversation)
            : BuiltinA2ARuntime(builtins: builtins, approvals: approvals)
        let dispatcher = A2ADispatcher(runtime: runtime, store: InMemoryA2ATaskStore(), cardSource: config.cardSource ?? A2ADefaultCardSource(),
                                       info: info, executor: executor.withLock { $0 })
        slot.withLock { $0 = dispatcher }
        listener.withLock {
            $0 = .running(Started(listener: running, dispatcher: dispatcher, since: .now, servingClientID: shared ? session.clientID : nil, startedBy: session.clientID))
        }
        return running.bound
    }

    func stop(by caller: ClientSession) async throws {
        let started = try listener.withLock { state -> Started? in
            guard case .running(let started) = state else { return nil }
            guard started.startedBy == caller.clientID || caller.isHostRole else {
                throw CarErrors.forbidden("the A2A listener on \(started.listener.bound) was started by another connection; only it or a host-role session may stop it")
            }
            state = .none
            return started
        }
        guard let started else { throw CarErrors.internalError("no A2A listener is running (a2a.start one first)") }
        try? await BlockingPool.shared.run { Self.end(started) }
    }

    var status: CarMethods.A2aStatus.Result {
        guard case .running(let started) = listener.withLock({ $0 }) else { return .init(running: false) }
        let uptime = Int((ContinuousClock.now - started.since).components.seconds)
        return .init(bound: started.listener.bound, running: true, uptimeSecs: uptime)
    }

    /// A listener serving a connection's runtime ends with that connection.
    func connectionClosed(_ clientID: String) {
        let started = listener.withLock { state -> Started? in
            guard case .running(let started) = state, started.servingClientID == clientID else { return nil }
            state = .none
            return started
        }
        // Called on the event loop, which closing a listener waits for.
        if let started { Task { try? await BlockingPool.shared.run { Self.end(started) } } }
    }

    /// The daemon stops: so does the listener, and every task's work.
    public func shutdown() {
        let started = listener.withLock { state -> Started? in
            guard case .running(let started) = state else { return nil }
            state = .none
            return started
        }
        if let started { Self.end(started) }
        lazyDispatcher.withLock { $0 }?.shutdown()
    }

    private static func end(_ started: Started) {
        started.listener.stop()
        started.dispatcher.shutdown()
    }

    /// `host:port`, loopback unless allowed; IPv6 as `[::1]:port`.
    static func bind(_ text: String, allowNonLoopback: Bool) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw CarErrors.invalidParams("bind must be host:port (127.0.0.1:0 picks a free port), got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CarErrors.invalidParams("bind needs a host, got '\(text)'") }
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        if !loopback && !allowNonLoopback {
            throw CarErrors.invalidParams("bind \(text) is not a loopback address; pass allow_non_loopback_bind: true to serve A2A beyond this machine")
        }
        return (host == "localhost" ? "127.0.0.1" : host, port)
    }
}
