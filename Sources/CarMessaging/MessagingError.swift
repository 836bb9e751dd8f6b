import CarFiles

/// Why a messaging call did not do what it asked.
public enum MessagingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request itself is wrong (a bad handle, a token of the wrong kind, too many handles).
    case invalid(String)
    /// The platform cannot do it; the configuration change, if any, was still saved.
    case platform(String)
    /// messaging.json could not be written; nothing changed.
    case storage(String)

    public var description: String {
        switch self {
        case .invalid(let reason), .platform(let reason), .storage(let reason): reason
        }
    }
}
