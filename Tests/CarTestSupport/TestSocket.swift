import Glibc

/// A connected stream socket for the test client. The descriptor is non-blocking and every
/// wait goes through poll() with a deadline: connect, send and receive all give up in time.
final class TestSocket {
    private var fd: Int32
    /// Reused for every read, so receiving does not allocate per call.
    private var chunk = [UInt8](repeating: 0, count: 64 << 10)

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { close() }

    var isOpen: Bool { fd >= 0 }

    /// Connects to the first address `host` resolves to that accepts (names, IPv4, IPv6).
    static func connect(host: String, port: Int, timeout: Double) throws -> TestSocket {
        let deadline = Deadline(after: timeout)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw WebSocketTestClient.Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var problem = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let info = cursor?.pointee {
            cursor = info.ai_next
            do {
                let socket = try open(family: info.ai_family)
                try socket.connect(to: info.ai_addr, length: info.ai_addrlen, until: deadline)
                var one: Int32 = 1
                setsockopt(socket.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return socket
            } catch let error as WebSocketTestClient.Failure {
                problem = error.description
            }
        }
        throw WebSocketTestClient.Failure(description: "connect to \(host):\(port) failed: \(problem)")
    }

    static func connect(unixPath: String, timeout: Double) throws -> TestSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(unixPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            throw WebSocketTestClient.Failure(description: "socket path longer than \(capacity - 1) bytes: \(unixPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let socket = try open(family: AF_UNIX)
        try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try socket.connect(to: address, length: socklen_t(MemoryLayout<sockaddr_un>.size), until: Deadline(after: timeout))
            }
        }
        return socket
    }

    private static func open(family: Int32) throws -> TestSocket {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw WebSocketTestClient.Failure(description: "socket: \(Self.errorText())") }
        return TestSocket(fd: fd)
    }

    private func connect(to address: UnsafePointer<sockaddr>, length: socklen_t, until deadline: Deadline) throws {
        while true {
            if Glibc.connect(fd, address, length) == 0 { return }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                // A Unix socket whose listener's backlog is full: try again shortly.
                guard !deadline.hasPassed else { throw WebSocketTestClient.Failure(description: "connect timed out") }
                usleep(2_000)
            case EINPROGRESS:
                // A TCP connect under way: it is done when the socket becomes writable.
                guard try wait(for: Int16(POLLOUT), until: deadline) else {
                    throw WebSocketTestClient.Failure(description: "connect timed out")
                }
                var error: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
                guard error == 0 else { throw WebSocketTestClient.Failure(description: String(cString: strerror(error))) }
                return
            default:
                throw WebSocketTestClient.Failure(description: Self.errorText())
            }
        }
    }

    /// Sends every byte or throws: `ConnectionClosed` if the peer is gone, `Failure` if it
    /// stops reading until the deadline. MSG_NOSIGNAL because Linux has no SO_NOSIGPIPE.
    func sendAll(_ bytes: [UInt8], until deadline: Deadline) throws {
        guard fd >= 0 else { throw WebSocketTestClient.ConnectionClosed(code: nil) }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent >= 0 {
                offset += sent
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                guard try wait(for: Int16(POLLOUT), until: deadline) else {
                    throw WebSocketTestClient.Failure(description: "send timed out with \(bytes.count - offset) bytes unsent")
                }
            default:
                throw WebSocketTestClient.ConnectionClosed(code: nil)
            }
        }
    }

    /// Waits for bytes and hands what one recv() got to `body`. False on timeout; throws
    /// `ConnectionClosed` on end of stream or a reset.
    func read(until deadline: Deadline, _ body: (UnsafeRawBufferPointer) -> Void) throws -> Bool {
        guard fd >= 0 else { throw WebSocketTestClient.ConnectionClosed(code: nil) }
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                return true
            }
            if count == 0 { throw WebSocketTestClient.ConnectionClosed(code: nil) }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                guard try wait(for: Int16(POLLIN), until: deadline) else { return false }
            default:
                throw WebSocketTestClient.ConnectionClosed(code: nil)
            }
        }
    }

    /// Signals end of stream to the peer while still allowing reads.
    func shutdownWrite() {
        if fd >= 0 { shutdown(fd, Int32(SHUT_WR)) }
    }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    /// True when `events` (or an error or hang-up, which the next call reports) happened.
    private func wait(for events: Int16, until deadline: Deadline) throws -> Bool {
        while true {
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, deadline.pollTimeout)
            if ready > 0 { return true }
            if ready == 0 {
                if deadline.hasPassed { return false }
                continue
            }
            guard errno == EINTR else { throw WebSocketTestClient.Failure(description: "poll: \(Self.errorText())") }
        }
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
