import CarJSON

/// Turns a JSON value into an `A2UIMessage`, refusing anything that is not exactly one v0.9
/// message: the version, one action key, the action's own keys and their types, and the
/// size limits (bytes, nesting, string lengths) over the whole value.
public struct A2UIMessageParser: Sendable {
    /// The versions a v0.9 renderer accepts; v0.9.1 changed no message shape.
    public static let versions: Set<String> = ["v0.9", "v0.9.1"]
    static let actions = ["createSurface", "updateComponents", "updateDataModel", "deleteSurface"]

    public let limits: A2UILimits

    public init(limits: A2UILimits) {
        self.limits = limits
    }

    public func parse(_ value: JSONValue) throws(A2UIError) -> A2UIMessage {
        guard case .object(let message) = value else {
            throw A2UIError(.invalidMessage, "an A2UI message is a JSON object, not \(value.typeName)")
        }
        let size = JSONWriter.encodedCount(value)
        guard size <= limits.maxMessageBytes else {
            throw A2UIError(.limitExceeded, "the message is \(size) bytes; the limit is \(limits.maxMessageBytes)")
        }
        try A2UIBounds(limits: limits).check(value)
        guard let version = message["version"] else {
            throw A2UIError(.invalidMessage, "the message states no version; v0.9 messages carry \"version\": \"v0.9\"", path: "/version")
        }
        guard let text = version.stringValue, Self.versions.contains(text) else {
            throw A2UIError(.invalidMessage, "version \(JSONWriter.string(version)) is not one this daemon speaks (v0.9)", path: "/version")
        }
        let present = Self.actions.filter { message[$0] != nil }
        guard present.count == 1, let action = present.first else {
            throw A2UIError(.invalidMessage, present.isEmpty
                ? "the message holds none of createSurface, updateComponents, updateDataModel, deleteSurface"
                : "the message holds \(present.count) actions (\(present.joined(separator: ", "))); it must hold exactly one")
        }
        if let extra = message.keys.sorted().first(where: { $0 != "version" && $0 != action }) {
            throw A2UIError(.invalidMessage, "unknown key \"\(extra)\" in the message", path: "/" + A2UIPointer.escape(extra))
        }
        guard case .object(let body) = message[action]! else {
            throw A2UIError(.invalidMessage, "\(action) must be an object", path: "/\(action)")
        }
        do {
            return try parse(action: action, body)
        } catch {
            throw error.at("/\(action)")
        }
    }

    private func parse(action: String, _ body: [String: JSONValue]) throws(A2UIError) -> A2UIMessage {
        switch action {
        case "createSurface":
            try only(body, ["surfaceId", "catalogId", "theme", "sendDataModel"])
            let surfaceID = try id(body)
            guard let catalogID = body["catalogId"]?.stringValue else {
                throw A2UIError(.invalidMessage, body["catalogId"] == nil ? "catalogId is required" : "catalogId must be a string",
                                path: "/catalogId", surfaceID: surfaceID)
            }
            var theme: [String: JSONValue]?
            if let value = body["theme"], value != .null {
                guard case .object(let object) = value else {
                    throw A2UIError(.invalidMessage, "theme must be an object", path: "/theme", surfaceID: surfaceID)
                }
                theme = object
            }
            var sendDataModel = false
            if let value = body["sendDataModel"], value != .null {
                guard let flag = value.boolValue else {
                    throw A2UIError(.invalidMessage, "sendDataModel must be a boolean", path: "/sendDataModel", surfaceID: surfaceID)
                }
                sendDataModel = flag
            }
            return .createSurface(A2UISurfaceHeader(surfaceID: surfaceID, catalogID: catalogID, theme: theme, sendDataModel: sendDataModel))
        case "updateComponents":
            try only(body, ["surfaceId", "components"])
            let surfaceID = try id(body)
            guard case .array(let list)? = body["components"] else {
                throw A2UIError(.invalidMessage, body["components"] == nil ? "components is required" : "components must be an array",
                                path: "/components", surfaceID: surfaceID)
            }
            guard !list.isEmpty else {
                throw A2UIError(.invalidMessage, "components is empty", path: "/components", surfaceID: surfaceID)
            }
            guard list.count <= limits.maxComponents else {
                throw A2UIError(.limitExceeded, "the message carries \(list.count) components; the limit is \(limits.maxComponents)",
                                path: "/components", surfaceID: surfaceID)
            }
            var components: [[String: JSONValue]] = []
            components.reserveCapacity(list.count)
            for (index, element) in list.enumerated() {
                guard case .object(let component) = element else {
                    throw A2UIError(.invalidComponent, "a component is an object, not \(element.typeName)",
                                    path: "/components/\(index)", surfaceID: surfaceID)
                }
                components.append(component)
            }
            return .updateComponents(surfaceID: surfaceID, components: components)
        case "updateDataModel":
            try only(body, ["surfaceId", "path", "value"])
            let surfaceID = try id(body)
            var path = "/"
            if let value = body["path"] {
                guard let text = value.stringValue else {
                    throw A2UIError(.invalidMessage, "path must be a string", path: "/path", surfaceID: surfaceID)
                }
                path = text
            }
            return .updateDataModel(surfaceID: surfaceID, path: path, value: body["value"])
        default:
            try only(body, ["surfaceId"])
            return .deleteSurface(surfaceID: try id(body))
        }
    }

    private func only(_ body: [String: JSONValue], _ keys: Set<String>) throws(A2UIError) {
        if let extra = body.keys.sorted().first(where: { !keys.contains($0) }) {
            throw A2UIError(.invalidMessage, "unknown key \"\(extra)\"", path: "/" + A2UIPointer.escape(extra),
                            surfaceID: body["surfaceId"]?.stringValue)
        }
    }

    private func id(_ body: [String: JSONValue]) throws(A2UIError) -> String {
        guard let value = body["surfaceId"] else {
            throw A2UIError(.invalidMessage, "surfaceId is required", path: "/surfaceId")
        }
        guard let id = value.stringValue else {
            throw A2UIError(.invalidMessage, "surfaceId must be a string", path: "/surfaceId")
        }
        guard id.utf8.count <= limits.maxIDBytes else {
            throw A2UIError(.limitExceeded, "surfaceId is \(id.utf8.count) bytes; the limit is \(limits.maxIDBytes)", path: "/surfaceId")
        }
        return id
    }
}
