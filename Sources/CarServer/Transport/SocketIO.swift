import Glibc

/// The non-blocking socket calls every connection makes, with their errno cases read one way.
enum SocketIO {
    enum Read {
        case bytes(UnsafeRawBufferPointer)
        /// Nothing now (EAGAIN or EINTR); the loop says when there is.
        case later
        /// End of stream or a failure: the connection is over.
        case closed
    }

    /// One `recv` into `buffer` (the loop's shared read buffer).
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Read {
        let count = recv(fd, buffer.baseAddress, buffer.count, 0)
        if count > 0 { return .bytes(UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return .later }
        return .closed
    }

    enum Write {
        case drained
        /// The kernel's buffer is full: wait for EPOLLOUT.
        case blocked
        case failed
    }

    /// Writes what `outbound` holds until it is empty or the socket takes no more.
    /// `progress` runs after each write that took bytes.
    static func write(_ outbound: inout OutboundBuffer, to fd: Int32, progress: () -> Void = {}) -> Write {
        while !outbound.isEmpty {
            let written = outbound.drain { pending in send(fd, pending.baseAddress, pending.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                progress()
                continue
            }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .blocked }
            return .failed
        }
        return .drained
    }

    /// Requests and replies are small and latency-bound: never wait for Nagle.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}

/// Whether a listener takes one more connection: none while stopping or at the cap, with the
/// cap logged once per episode rather than once per refused connection. Loop-confined.
struct ConnectionAdmission {
    private var atLimit = false

    mutating func admits(open: Int, max: Int, stopping: Bool, log: (String) -> Void, what: String) -> Bool {
        if stopping || open >= max {
            if !stopping, !atLimit {
                atLimit = true
                log("\(what) limit (\(max)) reached; refusing connections until some close")
            }
            return false
        }
        atLimit = false
        return true
    }
}
