/// What `messaging.config.set` asks for; nil fields stay as they are.
public struct MessagingChange: Sendable, Equatable {
    public var enabled: Bool?
    /// Replaces the whole allowlist; `add` and `remove` apply after it.
    public var allowlistedHandles: [String]?
    public var add: [String] = []
    public var remove: [String] = []
    public var botToken: String?
    public var appToken: String?
    public var slackChannel: String?

    public init(enabled: Bool? = nil, allowlistedHandles: [String]? = nil, add: [String] = [], remove: [String] = [],
                botToken: String? = nil, appToken: String? = nil, slackChannel: String? = nil) {
        self.enabled = enabled
        self.allowlistedHandles = allowlistedHandles
        self.add = add
        self.remove = remove
        self.botToken = botToken
        self.appToken = appToken
        self.slackChannel = slackChannel
    }
}
