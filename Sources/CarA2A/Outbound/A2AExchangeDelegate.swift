import Dispatch
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The delegate of one exchange's URLSession (one task, one hop). It keeps the body as it
/// arrives and stops the transfer the moment it passes the limit (not after the peer has sent
/// all of it), decides a redirect through the policy, and answers the awaiting call once.
///
/// Foundation never follows a redirect itself here: on Linux, swift-corelibs-foundation reuses
/// the libcurl handle for the next hop, which traps the process with libcurl 8.5+ in Swift
/// 6.2/6.3 (swift-corelibs-foundation#5445, fixed in 6.4), and it sends a 307/308 POST with an
/// empty body. So every redirect is answered with nil and the transport makes an approved hop
/// as a new exchange.
///
/// A failure (limit, deadline, cancellation) answers the call at once instead of when
/// Foundation reports the task done: corelibs reads a 3xx body on its own queue, out of this
/// delegate's sight and slowly (it copies the whole buffer per chunk), and a cancel waits
/// behind that. The abandoned task ends later, alone in its own session.
///
/// `@unchecked Sendable`: NSObject is not Sendable; every mutable thing here is behind the Mutex.
final class A2AExchangeDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        /// Taken by whoever answers the call; nil once answered.
        var continuation: CheckedContinuation<A2AExchangeOutcome, Never>?
        var body: [UInt8] = []
        var nextHop: (request: URLRequest, status: Int)?
        /// The first reason the exchange ended early; later callbacks are ignored once set.
        var failure: A2ATransportFailure?
    }

    private let policy: A2ARedirectPolicy
    private let followed: Int
    private let maxBytes: Int
    private let state = Mutex(State())

    /// `followed` counts the redirects taken before this hop, for the policy's limit.
    init(policy: A2ARedirectPolicy, followed: Int, maxBytes: Int) {
        self.policy = policy
        self.followed = followed
        self.maxBytes = maxBytes
    }

    /// Must be set before the task is resumed, so no callback finds nobody to answer.
    func register(_ continuation: CheckedContinuation<A2AExchangeOutcome, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Ends the exchange with `failure` now, unless it already has a reason, and stops the task.
    func fail(_ task: URLSessionTask, with failure: A2ATransportFailure) {
        let continuation = state.withLock { state -> CheckedContinuation<A2AExchangeOutcome, Never>? in
            guard state.failure == nil else { return nil }
            state.failure = failure
            state.body = []
            defer { state.continuation = nil }
            return state.continuation
        }
        guard let continuation else { return }
        continuation.resume(returning: .failure(failure))
        // cancel() waits on the session's queue, which may be busy for a while (see above):
        // not on a caller's thread.
        DispatchQueue.global().async { task.cancel() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @Sendable @escaping (URLSession.ResponseDisposition) -> Void) {
        // A declared length over the limit is refused before a byte of the body is read.
        if response.expectedContentLength > Int64(maxBytes) {
            fail(dataTask, with: .tooLarge(limit: maxBytes))
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = state.withLock { state -> Bool in
            guard state.failure == nil else { return false }
            if state.body.count + data.count > maxBytes { return true }
            state.body.append(contentsOf: data)
            return false
        }
        if over { fail(dataTask, with: .tooLarge(limit: maxBytes)) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @Sendable @escaping (URLRequest?) -> Void) {
        state.withLock { state in
            // Failed already: its cancel is on its way. corelibs traps if a redirect answer
            // reaches its queue after a cancel, so this one gets none; the cancel ends the task.
            guard state.failure == nil else { return }
            switch policy.decide(request, followed: followed) {
            case .follow(let next): state.nextHop = (next, response.statusCode)
            case .refuse(let failure): state.failure = failure
            }
            // Answered under the lock, so no `fail` can slip a cancel in ahead of it. The 3xx
            // becomes this task's final response.
            completionHandler(nil)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let (continuation, finished) = state.withLock { state -> (CheckedContinuation<A2AExchangeOutcome, Never>?, State) in
            defer { state.continuation = nil; state.body = [] }
            return (state.continuation, state)
        }
        guard let continuation else { return }
        let outcome: A2AExchangeOutcome
        if let failure = finished.failure {
            outcome = .failure(failure)
        } else if let error {
            outcome = .failure(Self.failure(for: error))
        } else if let hop = finished.nextHop {
            outcome = .redirect(hop.request, status: hop.status)
        } else if let response = task.response as? HTTPURLResponse {
            outcome = .response(A2AHTTPResponse(status: response.statusCode, body: finished.body))
        } else {
            outcome = .failure(.network("the peer sent no HTTP response"))
        }
        continuation.resume(returning: outcome)
    }

    /// Our own words for Foundation's errors: its descriptions can carry the full URL, query included.
    static func failure(for error: any Error) -> A2ATransportFailure {
        guard let urlError = error as? URLError else { return .network("network error") }
        switch urlError.code {
        case .timedOut: return .network("the connection timed out")
        case .cannotConnectToHost: return .network("connection refused")
        case .cannotFindHost, .dnsLookupFailed: return .network("the host name could not be resolved")
        case .networkConnectionLost: return .network("the connection was lost")
        case .notConnectedToInternet: return .network("no network")
        case .badServerResponse: return .network("the peer sent a malformed HTTP response")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return .network("the TLS handshake failed")
        case .httpTooManyRedirects: return .network("too many redirects")
        case .cancelled: return .cancelled
        default: return .network("network error (URLError \(urlError.code.rawValue))")
        }
    }
}
