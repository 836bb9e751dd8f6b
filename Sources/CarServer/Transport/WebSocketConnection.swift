import CCarSystem
import CarWebSocket
import Glibc

/// One client socket: the HTTP upgrade, then RFC 6455 frames in both directions. All state is
/// confined to the event loop thread; the public send/close methods may be called from any
/// thread and hop onto the loop when needed.
public final class WebSocketConnection: EventLoopHandler, @unchecked Sendable {
    private enum Phase {
        /// Reading the HTTP upgrade request.
        case handshaking
        case open
        /// Our close frame is queued or sent; waiting for the peer's close or FIN.
        case closing
        /// Everything is written and our side shut down; reading to EOF so the kernel sends
        /// FIN rather than RST (an RST could destroy the close frame in flight).
        case draining
        case closed
    }

    public let id: UInt64
    public let peerDescription: String
    let fd: Int32
    private unowned let server: WebSocketServer
    let loop: EventLoop
    private let limits: TransportConfig

    private var phase = Phase.handshaking
    private var wasOpened = false
    private var handshakeBuffer: [UInt8] = []
    private var decoder: FrameDecoder
    private var outbound = OutboundBuffer()
    private var waitingForWritable = false
    /// Holders that asked reads to stop (see `holdReads`); reads run while it is zero.
    private var readHolds = 0
    private var flushScheduled = false
    private var shutdownAfterFlush = false
    private var timer: LoopTimer?

    init(id: UInt64, fd: Int32, peerDescription: String, server: WebSocketServer, loop: EventLoop, limits: TransportConfig) {
        self.id = id
        self.fd = fd
        self.peerDescription = peerDescription
        self.server = server
        self.loop = loop
        self.limits = limits
        self.decoder = FrameDecoder(role: .server, maxMessageBytes: limits.maxMessageBytes)
    }

    /// Called once registered with the loop: the client gets a bounded time to upgrade.
    func started() {
        timer = loop.schedule(after: limits.handshakeTimeout) { [weak self] in
            guard let self, self.phase == .handshaking else { return }
            self.finish()
        }
    }

    // MARK: Sending (any thread)

    public func sendText(_ bytes: [UInt8]) {
        onLoop { $0.queueFrame(.text, bytes) }
    }

    public func sendBinary(_ bytes: [UInt8]) {
        onLoop { $0.queueFrame(.binary, bytes) }
    }

    /// Starts the close handshake; the socket closes when the peer answers, or after the
    /// close timeout.
    public func close(code: UInt16, reason: String) {
        onLoop { $0.startClose(code: code, reason: reason, waitForPeer: true) }
    }

    private func onLoop(_ work: @escaping @Sendable (WebSocketConnection) -> Void) {
        if loop.inLoop {
            work(self)
        } else {
            loop.execute { [self] in work(self) }
        }
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if readHolds > 0 {
            // Not reading, so only a hang-up or an error arrives here (level-triggered, so it
            // would come back every turn): the peer is gone, and so is the connection.
            if events & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { finish() }
        } else if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
            readAvailable()
        }
        if events & EPOLLOUT.rawValue != 0, phase != .closed {
            flush()
        }
    }

    private func readAvailable() {
        switch SocketIO.read(fd, into: loop.readBuffer) {
        case .bytes(let bytes): received(bytes)
        case .later: return
        case .closed: finish()
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .handshaking:
            handshakeBuffer.append(contentsOf: bytes)
            upgrade()
        case .open, .closing:
            decoder.append(bytes)
            processFrames()
        case .draining, .closed:
            return
        }
    }

    private func upgrade() {
        switch HTTPUpgrade.parse(handshakeBuffer) {
        case .incomplete:
            return
        case .invalid(let status, let reason):
            refuseUpgrade(status: status, reason: reason)
        case .complete(let request, _) where !limits.origins.admits(request.header("Origin")):
            server.log("connection \(id) (\(peerDescription)): refused a WebSocket upgrade from origin \(request.header("Origin") ?? "")")
            refuseUpgrade(status: 403, reason: "origin not allowed; start the daemon with --allow-origin to admit it")
        case .complete(let request, let consumed):
            outbound.append(HTTPUpgrade.switchingProtocolsResponse(key: request.key))
            let pipelined = handshakeBuffer[consumed...]
            handshakeBuffer = []
            timer?.cancel()
            timer = nil
            phase = .open
            wasOpened = true
            server.delegate.connectionOpened(self)
            scheduleFlush()
            if !pipelined.isEmpty {
                pipelined.withUnsafeBytes { decoder.append($0) }
                processFrames()
            }
        }
    }

    private func refuseUpgrade(status: Int, reason: String) {
        outbound.append(HTTPUpgrade.errorResponse(status: status, reason: reason))
        handshakeBuffer = []
        phase = .closing
        shutdownAfterFlush = true
        flush()
    }

    /// Lowers (or, with nil, restores) the largest message this connection accepts: how a
    /// connection that has not authenticated is kept to small messages.
    public func limitMessages(to bytes: Int?) {
        onLoop { connection in
            let limit = min(bytes ?? connection.limits.maxMessageBytes, connection.limits.maxMessageBytes)
            if connection.phase == .open || connection.phase == .handshaking { connection.decoder.maxMessageBytes = limit }
        }
    }

    /// Stops reading from the socket until every hold is released: a connection with too
    /// much work in flight then waits in the kernel's buffers (TCP backpressure), rather than
    /// in ours. Frames already decoded wait too.
    public func holdReads() {
        onLoop { connection in
            connection.readHolds += 1
            if connection.readHolds == 1 { connection.updateInterest() }
        }
    }

    public func releaseReads() {
        onLoop { connection in
            guard connection.readHolds > 0 else { return }
            connection.readHolds -= 1
            guard connection.readHolds == 0, connection.phase != .closed else { return }
            connection.updateInterest()
            connection.processFrames()
        }
    }

    private func updateInterest() {
        guard phase != .closed else { return }
        loop.modify(fd: fd, events: (readHolds > 0 ? 0 : Self.readEvents) | (waitingForWritable ? EPOLLOUT.rawValue : 0))
    }

    private func processFrames() {
        while (phase == .open || phase == .closing) && readHolds == 0 {
            let message: WebSocketMessage?
            do {
                message = try decoder.nextMessage()
            } catch {
                failProtocol(error)
                return
            }
            guard let message else { return }
            handle(message)
        }
    }

    private func handle(_ message: WebSocketMessage) {
        switch message {
        case .text(let bytes):
            if phase == .open { server.delegate.connection(self, receivedText: bytes) }
        case .binary(let bytes):
            if phase == .open { server.delegate.connection(self, receivedBinary: bytes) }
        case .ping(let payload):
            if phase == .open { queueFrame(.pong, payload) }
        case .pong:
            return
        case .close(let code, _):
            if phase == .open {
                // Echo the peer's code (RFC 6455 §5.5.1); an empty close is answered empty.
                let payload = code.map { FrameEncoder.closePayload(code: $0, reason: "") } ?? []
                queueFrame(.close, payload, force: true)
                // Queueing past the outbound bound finishes the connection; it stays finished.
                guard phase != .closed else { return }
            }
            phase = .closing
            shutdownAfterFlush = true
            flush()
        }
    }

    private func failProtocol(_ error: WebSocketProtocolError) {
        server.log("connection \(id) (\(peerDescription)): closing with \(error.closeCode): \(error.reason)")
        startClose(code: error.closeCode, reason: error.reason, waitForPeer: false)
    }

    // MARK: Writing

    private func queueFrame(_ opcode: Opcode, _ payload: [UInt8], force: Bool = false) {
        guard phase == .open || (force && phase != .closed && phase != .draining) else { return }
        outbound.withAppendTarget { FrameEncoder.append(opcode: opcode, payload: payload, into: &$0) }
        if outbound.count > limits.maxOutboundBytes {
            server.log("connection \(id) (\(peerDescription)): \(outbound.count) bytes unread by the client; disconnecting")
            finish()
            return
        }
        scheduleFlush()
    }

    private func startClose(code: UInt16, reason: String, waitForPeer: Bool) {
        switch phase {
        case .handshaking:
            finish()
        case .open:
            queueFrame(.close, FrameEncoder.closePayload(code: code, reason: reason), force: true)
            guard phase != .closed else { return }
            phase = .closing
            if !waitForPeer { shutdownAfterFlush = true }
            timer?.cancel()
            timer = loop.schedule(after: limits.closeTimeout) { [weak self] in self?.finish() }
            flush()
        case .closing, .draining, .closed:
            return
        }
    }

    private func scheduleFlush() {
        guard !flushScheduled, !waitingForWritable else { return }
        flushScheduled = true
        loop.atEndOfIteration { [self] in
            flushScheduled = false
            flush()
        }
    }

    private func flush() {
        guard phase != .closed else { return }
        switch SocketIO.write(&outbound, to: fd) {
        case .drained:
            break
        case .blocked:
            if !waitingForWritable {
                waitingForWritable = true
                updateInterest()
            }
            return
        case .failed:
            finish()
            return
        }
        if waitingForWritable {
            waitingForWritable = false
            updateInterest()
        }
        if shutdownAfterFlush && phase == .closing {
            shutdown(fd, Int32(SHUT_WR))
            phase = .draining
            decoder = FrameDecoder(role: .server, maxMessageBytes: 0)
            timer?.cancel()
            timer = loop.schedule(after: limits.closeTimeout) { [weak self] in self?.finish() }
        }
    }

    static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue

    // MARK: Teardown

    /// Closes the socket now. The delegate hears about connections it saw open.
    func finish() {
        guard phase != .closed else { return }
        phase = .closed
        timer?.cancel()
        timer = nil
        loop.unregister(fd: fd)
        Glibc.close(fd)
        outbound.release()
        handshakeBuffer = []
        decoder = FrameDecoder(role: .server, maxMessageBytes: 0)
        server.connectionFinished(self, notifyDelegate: wasOpened)
    }

    var isOpen: Bool { phase == .open }
}
