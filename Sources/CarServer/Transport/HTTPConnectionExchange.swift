import CarHTTP
import Synchronization

/// The exchange a route handler answers through, for one request on one connection. Every
/// call hops onto the loop in the order it was made (never run inline, even from the loop),
/// so a stream's head always precedes its events whatever thread sends them.
final class HTTPConnectionExchange: HTTPExchange, HTTPEventSink, @unchecked Sendable {
    private enum Phase {
        case pending
        case streaming(SSEStream)
        case done
    }

    private struct State {
        var phase = Phase.pending
        var cancelHandlers: [@Sendable () -> Void] = []
        var cancelled = false
    }

    let request: HTTPRequest
    let peerDescription: String
    private weak var connection: HTTPConnection?
    private let loop: EventLoop
    private let state = Mutex(State())

    init(request: HTTPRequest, connection: HTTPConnection) {
        self.request = request
        self.peerDescription = connection.peerDescription
        self.connection = connection
        self.loop = connection.loop
    }

    var isStreaming: Bool {
        state.withLock { if case .streaming = $0.phase { true } else { false } }
    }

    var isOpen: Bool {
        state.withLock { if case .streaming = $0.phase { !$0.cancelled } else { false } }
    }

    func respond(_ response: HTTPResponse) {
        let taken = state.withLock { state -> Bool in
            guard case .pending = state.phase, !state.cancelled else { return false }
            state.phase = .done
            return true
        }
        guard taken else { return }
        onLoop { $0.respond(self, response) }
    }

    func openEventStream(headers: HTTPHeaders) -> (any HTTPEventSink)? {
        let stream = SSEStream(for: request.head)
        let opened = state.withLock { state -> Bool in
            guard case .pending = state.phase, !state.cancelled else { return false }
            state.phase = .streaming(stream)
            return true
        }
        guard opened else { return nil }
        onLoop { $0.openStream(self, stream, headers: headers) }
        return self
    }

    func send(_ events: [SSEEvent]) {
        guard !events.isEmpty, let stream = openStream() else { return }
        let bytes = stream.events(events)
        onLoop { $0.streamEvents(self, bytes) }
    }

    func end() {
        let stream = state.withLock { state -> SSEStream? in
            guard case .streaming(let stream) = state.phase, !state.cancelled else { return nil }
            state.phase = .done
            return stream
        }
        guard let stream else { return }
        onLoop { $0.endStream(self, stream) }
    }

    func onCancel(_ body: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.cancelled { return true }
            state.cancelHandlers.append(body)
            return false
        }
        if runNow { body() }
    }

    // MARK: The connection's side (loop thread)

    /// A comment line on a quiet stream.
    func heartbeat() {
        guard let stream = openStream() else { return }
        connection?.streamEvents(self, stream.event(.heartbeat()))
    }

    /// The connection wrote the last byte of the answer.
    func finished() {
        state.withLock { state in
            state.phase = .done
            state.cancelHandlers = []
        }
    }

    /// The connection went before the answer was written.
    func cancelled() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.cancelled else { return [] }
            state.cancelled = true
            defer { state.cancelHandlers = [] }
            return state.cancelHandlers
        }
        for handler in handlers { handler() }
    }

    /// The daemon is stopping: a stream ends now; a pending answer is awaited.
    func serverStopping() {
        if isStreaming { end() }
    }

    private func openStream() -> SSEStream? {
        state.withLock { state in
            guard case .streaming(let stream) = state.phase, !state.cancelled else { return nil }
            return stream
        }
    }

    private func onLoop(_ work: @escaping (HTTPConnection) -> Void) {
        nonisolated(unsafe) let work = work
        loop.execute { [weak connection] in
            guard let connection else { return }
            work(connection)
        }
    }
}
