import CarJSON

/// What an accepted message did: the surface as it now is, or that it was deleted. The same
/// value goes to the caller and, as `a2ui.event`, to every subscriber.
public struct A2UIApplyResult: Sendable {
    public let surfaceID: String
    public let deleted: Bool
    public let surface: A2UISurface?
    /// Expired surfaces the store removed to apply this message (a `createSurface` that needed
    /// their room, or their id): whoever shows surfaces must hear they are gone.
    public let dropped: [String]

    public init(surfaceID: String, deleted: Bool, surface: A2UISurface?, dropped: [String] = []) {
        self.surfaceID = surfaceID
        self.deleted = deleted
        self.surface = surface
        self.dropped = dropped
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["surfaceId": .string(surfaceID), "deleted": .bool(deleted)]
        if let surface { object["surface"] = surface.json }
        return .object(object)
    }
}
