import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Which redirects a call follows. The trust gate applies to every hop, not only to the URL the
/// caller gave: a loopback peer must not be able to bounce the daemon into the network. And a
/// credential is meant for the origin it was given for: Foundation (swift-corelibs on Linux)
/// copies every header of the request onto the redirected one, so the credential's header is
/// dropped here as soon as a hop leaves the original origin.
struct A2ARedirectPolicy: Sendable {
    var original: A2AEndpoint
    var allowUntrusted: Bool
    var maxRedirects: Int
    var maxEndpointLength: Int
    /// The header names that carry the call's credential (empty when it has none).
    var credentialHeaders: [String]

    enum Decision {
        case follow(URLRequest)
        case refuse(A2ATransportFailure)
    }

    /// `followed` counts the redirects already taken in this call.
    func decide(_ proposed: URLRequest, followed: Int) -> Decision {
        guard followed < maxRedirects else { return .refuse(.tooManyRedirects(limit: maxRedirects)) }
        guard let url = proposed.url else { return .refuse(.redirectRefused(target: "(no URL)", reason: "the redirect has no target")) }
        let target: A2AEndpoint
        do {
            target = try A2AEndpoint.parse(url.absoluteString, field: "redirect target", allowQuery: true, maxLength: maxEndpointLength)
        } catch {
            return .refuse(.redirectRefused(target: "(unusable URL)", reason: error.reason))
        }
        guard allowUntrusted || target.isLoopback else {
            return .refuse(.redirectRefused(
                target: target.displayed,
                reason: "it is not a loopback host; set allowUntrustedEndpoint to follow redirects to other hosts"))
        }
        var request = proposed
        if !target.sameOrigin(as: original), !credentialHeaders.isEmpty {
            // Removed under every spelling the request holds it in, whatever its case.
            for name in (request.allHTTPHeaderFields ?? [:]).keys where credentialHeaders.contains(name.lowercased()) {
                request.setValue(nil, forHTTPHeaderField: name)
            }
        }
        return .follow(request)
    }
}
