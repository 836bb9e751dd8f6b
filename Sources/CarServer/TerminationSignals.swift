import Dispatch
import Glibc

/// SIGINT and SIGTERM, observed through Dispatch from the moment this is made: default
/// handling is off, so a signal that arrives during startup is kept and ends `wait()` at once,
/// and no work ever runs inside a signal handler.
final class TerminationSignals {
    private let received = DispatchSemaphore(value: 0)
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [received] in received.signal() }
            source.resume()
            sources.append(source)
        }
    }

    /// Blocks until one of the signals has arrived (possibly already).
    func wait() {
        received.wait()
    }
}
