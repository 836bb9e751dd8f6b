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
    /// A descriptor kept open to be given up when the process runs out: closing it lets one
    /// pending connection be accepted and closed at once, so the client hears "no" instead of
    /// waiting in the backlog, and the listener never spins on a readiness it cannot clear.
    private var spare: Int32 = Listener.openSpare()
    /// Set while accepts fail; the failure is logged once per such episode.
    private var failing = false

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
                if failing {
                    failing = false
                    log("accepting connections again")
                }
                accepted(client, kind)
                continue
            }
            let error = errno
            switch error {
            case EAGAIN, EWOULDBLOCK: return
            case EINTR, ECONNABORTED, EPROTO: continue
            case EMFILE where spare >= 0, ENFILE where spare >= 0:
                episode("accept: \(SystemError.lastErrno()); refusing connections until descriptors are free")
                close(spare)
                let refused = car_accept4(fd, Int32(SOCK_CLOEXEC.rawValue))
                if refused >= 0 { close(refused) }
                spare = Self.openSpare()
                if refused < 0 { pause(); return }
            default:
                // Any other failure (or no spare to give up): epoll would report the same
                // readiness at once, so stop listening briefly instead of spinning.
                episode("accept: \(SystemError.lastErrno()); pausing the listener")
                pause()
                return
            }
        }
    }

    private func episode(_ message: String) {
        guard !failing else { return }
        failing = true
        log(message)
    }

    private static func openSpare() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if spare >= 0 { close(spare) }
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
