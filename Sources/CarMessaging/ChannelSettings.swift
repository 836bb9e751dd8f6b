import CarJSON

/// One channel's persisted configuration. Keys this version does not know are carried
/// through untouched, so a file written by a newer daemon loses nothing when this one saves.
public struct ChannelSettings: Sendable, Equatable {
    public var enabled = false
    /// Who may answer approvals over this channel, in the order they were added.
    public var allowlistedHandles: [String] = []
    /// Slack only: the conversation approval prompts post into. Configuration, not a secret.
    public var slackChannel: String?
    /// Slack only: the keychain entry holding the bearer tokens (never the tokens).
    public var keychainReference: String?
    var unknown: [String: JSONValue] = [:]

    public init() {}

    /// Reads a saved section. A member of the wrong type is an error rather than a default:
    /// the caller then leaves the file as it is instead of saving over what it could not read.
    init(json: JSONValue) throws(SettingsError) {
        guard case .object(var members) = json else { throw SettingsError("must be an object, not \(json.typeName)") }
        switch members.removeValue(forKey: "enabled") {
        case nil: break
        case .bool(let value)?: enabled = value
        case let other?: throw SettingsError("'enabled' must be a boolean, not \(other.typeName)")
        }
        switch members.removeValue(forKey: "allowlisted_handles") {
        case nil: break
        case .array(let values)?:
            allowlistedHandles = try values.map { (value) throws(SettingsError) -> String in
                guard let handle = value.stringValue else { throw SettingsError("'allowlisted_handles' must hold strings") }
                return handle
            }
        case let other?: throw SettingsError("'allowlisted_handles' must be an array, not \(other.typeName)")
        }
        slackChannel = try Self.optionalString("slack_channel", &members)
        keychainReference = try Self.optionalString("keychain_reference", &members)
        unknown = members
    }

    private static func optionalString(_ key: String, _ members: inout [String: JSONValue]) throws(SettingsError) -> String? {
        switch members.removeValue(forKey: key) {
        case nil: return nil
        case .string(let value)?: return value
        case let other?: throw SettingsError("'\(key)' must be a string, not \(other.typeName)")
        }
    }

    struct SettingsError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    var json: JSONValue {
        var members = unknown
        members["enabled"] = .bool(enabled)
        members["allowlisted_handles"] = .array(allowlistedHandles.map(JSONValue.string))
        if let slackChannel { members["slack_channel"] = .string(slackChannel) }
        if let keychainReference { members["keychain_reference"] = .string(keychainReference) }
        return .object(members)
    }
}
