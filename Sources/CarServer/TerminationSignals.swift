import Foundation
import Glibc

/// SIGINT and SIGTERM, observed from the moment this is made: both are blocked in the calling
/// thread, so every thread made afterwards (the event loop, the pools, Dispatch's) inherits the
/// block, and one thread of its own takes them with `sigwait`. A signal that arrives during
/// startup stays pending and ends `wait()` at once; no work ever runs inside a signal handler.
///
/// Blocking is what makes this reliable: with the signals merely ignored (SIG_IGN) and watched
/// through a Dispatch source, the kernel could hand one to any thread that had it unblocked and
/// discard it there, and a SIGTERM right after start was then lost about one time in twenty.
/// Make this before any other thread exists. Children get a clean signal mask (CarIO's spawn).
final class TerminationSignals: Sendable {
    private let received = DispatchSemaphore(value: 0)

    init() {
        var set = Self.signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let received = self.received
        let waiter = Thread {
            var set = Self.signals
            var number: Int32 = 0
            while true {
                if sigwait(&set, &number) == 0 { received.signal() }
            }
        }
        waiter.name = "car-signals"
        waiter.start()
    }

    private static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    /// Blocks until one of the signals has arrived (possibly already).
    func wait() {
        received.wait()
    }
}
