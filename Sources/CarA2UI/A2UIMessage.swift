import CarJSON

/// One server-to-client A2UI v0.9 message, checked for shape but not yet against a catalog
/// (that needs the surface the message is for).
public enum A2UIMessage: Sendable, Equatable {
    case createSurface(A2UISurfaceHeader)
    /// Components as sent, each an object with at least `id` and `component`.
    case updateComponents(surfaceID: String, components: [[String: JSONValue]])
    /// A JSON Pointer `path` ("/" or "" for the whole model); a nil value removes the key.
    case updateDataModel(surfaceID: String, path: String, value: JSONValue?)
    case deleteSurface(surfaceID: String)

    public var surfaceID: String {
        switch self {
        case .createSurface(let header): header.surfaceID
        case .updateComponents(let id, _), .updateDataModel(let id, _, _), .deleteSurface(let id): id
        }
    }

    /// The action key, as the wire spells it.
    public var action: String {
        switch self {
        case .createSurface: "createSurface"
        case .updateComponents: "updateComponents"
        case .updateDataModel: "updateDataModel"
        case .deleteSurface: "deleteSurface"
        }
    }
}

/// What `createSurface` fixes for a surface's life: its id, catalog and theme.
public struct A2UISurfaceHeader: Sendable, Equatable {
    public let surfaceID: String
    public let catalogID: String
    public let theme: [String: JSONValue]?
    public let sendDataModel: Bool
}
