import CarJSON

/// Why a message was refused. A refused message changes nothing and reaches no subscriber.
/// `path` is a JSON Pointer into the message, as the A2UI validation error format has it, so an
/// agent (or the model behind it) can find the field and correct it.
public struct A2UIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not an A2UI v0.9 message: no or a wrong `version`, no or several actions, an unknown
        /// key, a field of the wrong type.
        case invalidMessage = "InvalidMessage"
        /// A `catalogId` this daemon does not render.
        case unsupportedCatalog = "UnsupportedCatalog"
        /// A component name the surface's catalog lacks.
        case unsupportedComponent = "UnsupportedComponent"
        /// A known component whose properties do not fit its schema, or a broken tree (a
        /// duplicate id, a self reference, a cycle).
        case invalidComponent = "InvalidComponent"
        /// Past one of the limits `a2ui.capabilities` reports.
        case limitExceeded = "LimitExceeded"
        /// `createSurface` for an id that exists.
        case surfaceExists = "SurfaceExists"
        /// An update for a surface that does not exist (or has expired).
        case surfaceNotFound = "SurfaceNotFound"
        /// A change decided on a revision the surface has moved past (the improvement loop's).
        case stale = "Stale"
    }

    public let kind: Kind
    public let surfaceID: String?
    public let path: String
    public let message: String

    public init(_ kind: Kind, _ message: String, path: String = "", surfaceID: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.surfaceID = surfaceID
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The error's details as the A2UI error format spells them.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind.rawValue), "path": .string(path), "message": .string(message)]
        if let surfaceID { object["surfaceId"] = .string(surfaceID) }
        return .object(object)
    }

    func at(_ prefix: String) -> A2UIError {
        A2UIError(kind, message, path: prefix + path, surfaceID: surfaceID)
    }

    func on(_ surfaceID: String) -> A2UIError {
        A2UIError(kind, message, path: path, surfaceID: surfaceID)
    }
}
