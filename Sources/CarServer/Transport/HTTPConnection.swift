import CCarSystem
import CarHTTP
import CarIO
import Glibc

/// One HTTP/1.1 client socket. Requests are taken one at a time: while one is being answered
/// the socket is not read (the next pipelined request waits in the kernel), so responses
/// leave in request order and one client holds at most one request in memory. Loop-confined;
/// handlers answer through the exchange, from any thread.
final class HTTPConnection: EventLoopHandler, @unchecked Sendable {
    let id: UInt64
    let fd: Int32
    let peerDescription: String
    private unowned let server: HTTPServer
    var loop: EventLoop { server.loop }
    private var config: HTTPServerConfig { server.config }

    private var decoder: HTTPRequestDecoder
    private var outbound = OutboundBuffer()
    private var current: HTTPConnectionExchange?
    private var closed = false
    /// Set while `processRequests` runs, so a request answered inside it (a refusal) does not
    /// start the next one from within: the loop there takes it, and the stack stays flat
    /// however many requests arrived in one read.
    private var processing = false
    /// The client shut its side: nothing more is read, and the connection ends once the
    /// queued answer is written.
    private var peerFinished = false
    /// Our side is shut after a final answer; what the client still sends (the rest of a body
    /// we refused) is read and dropped until it closes, because closing with unread bytes
    /// makes the kernel send a reset that can destroy the answer before the client reads it.
    private var draining = false
    private var drainedBytes = 0
    /// The most a lingering close reads and drops before giving up on the client.
    private static let maxDrainBytes = 16 << 20
    private static let drainSeconds = 2.0
    /// Set when nothing more is read: the response being written is the last.
    private var closeAfterFlush = false
    private var waitingForWritable = false
    private var interest: UInt32 = 0
    private var timer: LoopTimer?
    private var timerDeadline: UInt64 = 0
    /// Monotonic nanoseconds of the last byte read, the first byte of the request under way
    /// (0 when none), and the last byte written or queued.
    private var lastRead: UInt64
    private var requestStarted: UInt64 = 0
    private var lastWrite: UInt64
    /// The last time the socket took bytes: what the write bound measures (queueing is not
    /// progress when the client does not read).
    private var lastProgress: UInt64
    /// The current exchange's event-stream head is queued: from then on it streams, with
    /// heartbeats; never before, so no comment can precede the head.
    private var streaming = false

    static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue

    init(id: UInt64, fd: Int32, peerDescription: String, server: HTTPServer) {
        self.id = id
        self.fd = fd
        self.peerDescription = peerDescription
        self.server = server
        self.decoder = HTTPRequestDecoder(limits: server.config.requestLimits)
        let now = MonotonicClock.nanoseconds()
        lastRead = now
        lastWrite = now
        lastProgress = now
        interest = Self.readEvents
    }

    func started() {
        rearmTimer()
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if draining {
            drain()
            return
        }
        if current != nil {
            // Not reading while a request is answered, so this is the client leaving (a
            // hang-up, an error, or its write side shut): the request dies with it.
            if events & (EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
                finish()
                return
            }
        } else if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
            readAvailable()
        }
        if events & EPOLLOUT.rawValue != 0, !closed { flush() }
    }

    private func readAvailable() {
        switch SocketIO.read(fd, into: loop.readBuffer) {
        case .bytes(let bytes):
            let now = MonotonicClock.nanoseconds()
            lastRead = now
            if decoder.isIdle { requestStarted = now }
            decoder.append(bytes)
            processRequests()
        case .later:
            return
        case .closed:
            if current == nil, !outbound.isEmpty {
                // The client is done sending, not reading: what it asked for still goes out.
                closeAfterFlush = true
                peerFinished = true
                updateInterest()
            } else {
                finish()
            }
        }
    }

    /// Takes requests from what has been read until one is being answered or more bytes are
    /// needed.
    private func processRequests() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while current == nil, !closed, !closeAfterFlush {
            let event: HTTPRequestDecoder.Event?
            do {
                event = try decoder.next()
            } catch {
                refuse(error.response)
                return
            }
            guard let event else { break }
            switch event {
            case .continueExpected(let head):
                if let refusal = refusal(for: head) {
                    refuse(refusal)
                    return
                }
                queue(HTTPResponse.continue)
            case .request(let request):
                requestStarted = decoder.isIdle ? 0 : MonotonicClock.nanoseconds()
                begin(request)
            }
        }
        updateInterest()
        rearmTimer()
    }

    /// A request the server answers itself, before any route: a foreign Origin, an unknown path.
    private func refusal(for head: HTTPRequestHead) -> HTTPResponse? {
        if !config.origins.admits(head.headers["Origin"]) {
            server.log("http connection \(id) (\(peerDescription)): refused a request from origin \(head.headers["Origin"] ?? "")")
            return .text("origin not allowed; start the daemon with --allow-origin to admit it\n", status: 403)
        }
        if server.routes.handler(for: head.path) == nil {
            return .text("no such path: \(head.path)\n", status: 404)
        }
        return nil
    }

    private func begin(_ request: HTTPRequest) {
        let exchange = HTTPConnectionExchange(request: request, connection: self)
        current = exchange
        if let refusal = refusal(for: request.head) {
            complete(exchange, with: refusal.encode(keepAlive: keepAlive(request), requestVersion: request.version,
                                                    headOnly: request.method == "HEAD"), keepAlive: keepAlive(request))
            return
        }
        guard let handler = server.routes.handler(for: request.path) else {
            respond(exchange, .text("no such path: \(request.path)\n", status: 404))
            return
        }
        loop.noteActivity("http \(request.method) \(request.path)")
        handler.handle(exchange)
    }

    private func keepAlive(_ request: HTTPRequest) -> Bool {
        request.keepAlive && !server.stopping
    }

    /// Answers a request the decoder could not read, and closes.
    private func refuse(_ response: HTTPResponse) {
        closeAfterFlush = true
        queue(response.encode(keepAlive: false))
    }

    // MARK: The exchange's side (loop thread)

    func respond(_ exchange: HTTPConnectionExchange, _ response: HTTPResponse) {
        guard exchange === current, !closed else { return }
        let request = exchange.request
        let keep = keepAlive(request)
        complete(exchange, with: response.encode(keepAlive: keep, requestVersion: request.version, headOnly: request.method == "HEAD"),
                 keepAlive: keep)
    }

    func openStream(_ exchange: HTTPConnectionExchange, _ stream: SSEStream, headers: HTTPHeaders) {
        guard exchange === current, !closed else { return }
        queue(stream.head(headers: headers))
        streaming = true
        rearmTimer()
    }

    func streamEvents(_ exchange: HTTPConnectionExchange, _ bytes: [UInt8]) {
        guard exchange === current, !closed else { return }
        queue(bytes)
    }

    func endStream(_ exchange: HTTPConnectionExchange, _ stream: SSEStream) {
        guard exchange === current, !closed else { return }
        complete(exchange, with: stream.end(), keepAlive: stream.keepAlive && !server.stopping)
    }

    private func complete(_ exchange: HTTPConnectionExchange, with bytes: [UInt8], keepAlive: Bool) {
        exchange.finished()
        current = nil
        streaming = false
        // Nothing was read while the request was answered, so the idle and request bounds
        // start over now, for the next request (or what of it is already buffered).
        let now = MonotonicClock.nanoseconds()
        lastRead = now
        requestStarted = decoder.isIdle ? 0 : now
        if !keepAlive { closeAfterFlush = true }
        queue(bytes)
        guard !closed else { return }
        // The next pipelined request, if one is waiting in the decoder.
        processRequests()
    }

    /// The daemon is stopping: an idle connection closes now; a busy one after its answer,
    /// and an open event stream is ended so its client sees a clean end.
    func serverStopping() {
        guard let current else {
            // An answer still being written goes out first.
            if outbound.isEmpty { finish() } else { closeAfterFlush = true }
            return
        }
        current.serverStopping()
    }

    // MARK: Writing

    private func queue(_ bytes: [UInt8]) {
        guard !closed, !bytes.isEmpty || closeAfterFlush else { return }
        outbound.append(bytes)
        lastWrite = MonotonicClock.nanoseconds()
        if outbound.count > config.maxOutboundBytes {
            server.log("http connection \(id) (\(peerDescription)): \(outbound.count) bytes unread by the client; disconnecting")
            finish()
            return
        }
        loop.atEndOfIteration { [weak self] in self?.flush() }
    }

    private func flush() {
        guard !closed else { return }
        switch SocketIO.write(&outbound, to: fd, progress: { lastProgress = MonotonicClock.nanoseconds() }) {
        case .drained:
            break
        case .blocked:
            if !waitingForWritable { lastProgress = MonotonicClock.nanoseconds() }
            waitingForWritable = true
            updateInterest()
            rearmTimer()
            return
        case .failed:
            finish()
            return
        }
        if waitingForWritable {
            waitingForWritable = false
            updateInterest()
            // The write bound no longer applies: the idle, request or heartbeat one does.
            rearmTimer()
        }
        if closeAfterFlush && current == nil && !draining {
            shutdown(fd, Int32(SHUT_WR))
            draining = true
            lastRead = MonotonicClock.nanoseconds()
            updateInterest()
            rearmTimer()
            drain()
        }
    }

    private func drain() {
        while true {
            switch SocketIO.read(fd, into: loop.readBuffer) {
            case .bytes(let bytes):
                drainedBytes += bytes.count
                if drainedBytes > Self.maxDrainBytes {
                    finish()
                    return
                }
            case .later:
                return
            case .closed:
                finish()
                return
            }
        }
    }

    private func updateInterest() {
        guard !closed else { return }
        let reading: UInt32
        if peerFinished {
            reading = 0
        } else {
            reading = draining || (current == nil && !closeAfterFlush) ? Self.readEvents : EPOLLRDHUP.rawValue
        }
        let wanted = reading | (waitingForWritable ? EPOLLOUT.rawValue : 0)
        guard wanted != interest else { return }
        interest = wanted
        loop.modify(fd: fd, events: wanted)
    }

    // MARK: Time

    /// The next moment something is due: the idle or request bound while reading, the write
    /// bound while a client is not reading, the heartbeat of a quiet event stream.
    private func nextDeadline() -> UInt64 {
        let idle = Self.nanos(config.idleTimeout)
        if draining { return lastRead &+ Self.nanos(Self.drainSeconds) }
        if waitingForWritable { return lastProgress &+ idle }
        if current != nil {
            guard streaming else { return .max }
            return lastWrite &+ Self.nanos(config.heartbeatInterval)
        }
        var deadline = lastRead &+ idle
        if requestStarted != 0 { deadline = min(deadline, requestStarted &+ Self.nanos(config.requestTimeout)) }
        return deadline
    }

    private static func nanos(_ seconds: Double) -> UInt64 {
        SaturatingTime.nanoseconds(SaturatingTime.duration(seconds: seconds))
    }

    private func rearmTimer() {
        guard !closed else { return }
        let deadline = nextDeadline()
        if deadline == timerDeadline, timer != nil { return }
        timer?.cancel()
        timer = nil
        timerDeadline = deadline
        guard deadline != .max else { return }
        timer = loop.schedule(at: deadline) { [weak self] in self?.timerFired() }
    }

    private func timerFired() {
        timer = nil
        guard !closed else { return }
        let now = MonotonicClock.nanoseconds()
        let deadline = nextDeadline()
        guard now >= deadline else {
            rearmTimer()
            return
        }
        if draining {
            finish()
        } else if waitingForWritable {
            server.log("http connection \(id) (\(peerDescription)): the client stopped reading; disconnecting")
            finish()
        } else if let current, streaming {
            current.heartbeat()
            lastWrite = now
            rearmTimer()
        } else if current == nil {
            if !decoder.isIdle {
                server.log("http connection \(id) (\(peerDescription)): request not complete in time; disconnecting")
                refuse(.text("request timeout\n", status: 408))
            } else {
                finish()
            }
        }
    }

    // MARK: Teardown

    func finish() {
        guard !closed else { return }
        closed = true
        timer?.cancel()
        timer = nil
        loop.unregister(fd: fd)
        Glibc.close(fd)
        outbound.release()
        decoder = HTTPRequestDecoder(limits: HTTPRequestLimits(maxBodyBytes: 0))
        let exchange = current
        current = nil
        exchange?.cancelled()
        server.connectionFinished(self)
    }
}
