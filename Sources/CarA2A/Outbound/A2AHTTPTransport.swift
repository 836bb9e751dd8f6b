import Dispatch
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Makes a call's HTTP exchanges with the bounds applied: a whole-call deadline of our own
/// (URLRequest's timeout is an idle timeout on Darwin and a per-transfer one on Linux, neither
/// covers a chain of redirects), the body limit, the redirect policy (each approved hop made
/// here as a new exchange), and cancellation of the awaiting task stopping the transfer.
///
/// Each exchange has a URLSession of its own: a session runs all its tasks on one queue, and a
/// peer that keeps corelibs busy on that queue (see `A2AExchangeDelegate`) must not hold up
/// every other call. Nothing is worth sharing between calls anyway: no cookies, no cache.
struct A2AHTTPTransport: Sendable {
    /// Makes the request, and each redirect the policy approves, within one deadline of `timeout`.
    func perform(_ request: URLRequest, policy: A2ARedirectPolicy, timeout: Duration, maxBytes: Int) async -> Result<A2AHTTPResponse, A2ATransportFailure> {
        let total = Self.seconds(timeout)
        let deadline = ContinuousClock.now + timeout
        var current = request
        // One turn per hop; the policy refuses the hop after `maxRedirects`, so this always ends.
        for followed in 0...max(0, policy.maxRedirects) {
            let remaining = Self.seconds(deadline - ContinuousClock.now)
            guard remaining > 0 else { return .failure(.timedOut(seconds: total)) }
            switch await exchange(current, policy: policy, followed: followed, remaining: remaining, total: total, maxBytes: maxBytes) {
            case .response(let response):
                return .success(response)
            case .failure(let failure):
                return .failure(failure)
            case .redirect(var next, let status):
                // 307 and 308 repeat the request as it was; 301/302/303 come back from
                // Foundation already turned into a GET without a body.
                if status == 307 || status == 308 {
                    next.httpMethod = current.httpMethod
                    next.httpBody = current.httpBody
                }
                current = next
            }
        }
        return .failure(.tooManyRedirects(limit: policy.maxRedirects))
    }

    /// One hop. `remaining` bounds it; `total` is what a timeout reports.
    private func exchange(_ request: URLRequest, policy: A2ARedirectPolicy, followed: Int, remaining: Double, total: Double,
                          maxBytes: Int) async -> A2AExchangeOutcome {
        var request = request
        // A backstop only; the deadline below is the one that counts.
        request.timeoutInterval = remaining + 1
        let delegate = A2AExchangeDelegate(policy: policy, followed: followed, maxBytes: maxBytes)
        let session = URLSession(configuration: Self.configuration(), delegate: delegate, delegateQueue: nil)
        let task = session.dataTask(with: request)
        let started = Atomic<Bool>(false)
        let deadline = DispatchWorkItem { delegate.fail(task, with: .timedOut(seconds: total)) }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                delegate.register(continuation)
                DispatchQueue.global().asyncAfter(deadline: .now() + remaining, execute: deadline)
                started.store(true, ordering: .releasing)
                task.resume()
                // The session lets its delegate go once this one task has ended.
                session.finishTasksAndInvalidate()
                // The handler below may have run before the task was started.
                if Task.isCancelled { delegate.fail(task, with: .cancelled) }
            }
        } onCancel: {
            if started.load(ordering: .acquiring) { delegate.fail(task, with: .cancelled) }
        }
        // Not left pending (holding the task) for the rest of a 300 s deadline.
        deadline.cancel()
        return outcome
    }

    /// Nothing kept between exchanges: no cookies, no cache, no stored credentials.
    private static func configuration() -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return configuration
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
