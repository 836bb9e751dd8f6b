import CCarSystem
import Glibc

/// A listening socket on the event loop: accepts in bounded batches and hands each new
/// descriptor to the server.
final class Listener: EventLoopHandler {
    enum Kind { case tcp, unix }

    /// Accepts per readiness event, so a connection storm cannot monopolise the loop.
    private static let acceptBatch = 64

    let fd: Int32
    let kind: Kind
    private unowned let loop: EventLoop
    private let accepted: (Int32, Kind) -> Void
    private let log: (String) -> Void
    private var paused = false

    init(fd: Int32, kind: Kind, loop: EventLoop, log: @escaping (String) -> Void, accepted: @escaping (Int32, Kind) -> Void) {
        self.fd = fd
        self.kind = kind
        self.loop = loop
        self.log = log
        self.accepted = accepted
    }

    func handleEvents(_ events: UInt32) {
        for _ in 0..<Self.acceptBatch {
            let client = car_accept4(fd, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
            if client >= 0 {
                accepted(client, kind)
                continue
            }
            switch errno {
            case EAGAIN, EWOULDBLOCK: return
            case EINTR, ECONNABORTED, EPROTO: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors: the pending connection stays in the backlog and epoll
                // would report it again at once. Stop listening briefly instead of spinning.
                log("accept: \(SystemError.lastErrno()); pausing the listener for 100 ms")
                pause()
                return
            default:
                log("accept: \(SystemError.lastErrno())")
                return
            }
        }
    }

    private func pause() {
        guard !paused else { return }
        paused = true
        loop.modify(fd: fd, events: 0)
        loop.schedule(after: 0.1) { [weak self] in
            guard let self, self.paused else { return }
            self.paused = false
            self.loop.modify(fd: self.fd, events: EPOLLIN.rawValue)
        }
    }
}
