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

    init(json: JSONValue) {
        guard case .object(var members) = json else { return }
        if case .bool(let value)? = members.removeValue(forKey: "enabled") { enabled = value }
        if case .array(let values)? = members.removeValue(forKey: "allowlisted_handles") {
            allowlistedHandles = values.compactMap(\.stringValue)
        }
        slackChannel = members.removeValue(forKey: "slack_channel")?.stringValue
        keychainReference = members.removeValue(forKey: "keychain_reference")?.stringValue
        unknown = members
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
