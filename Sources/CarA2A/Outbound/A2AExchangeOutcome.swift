import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What one HTTP exchange (one hop of a call) ended with.
enum A2AExchangeOutcome: Sendable {
    case response(A2AHTTPResponse)
    /// The policy approved this hop; the transport makes it as a new exchange.
    case redirect(URLRequest, status: Int)
    case failure(A2ATransportFailure)
}
