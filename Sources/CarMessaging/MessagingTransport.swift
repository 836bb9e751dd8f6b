/// What the platform can do for a channel: watch for inbound replies, deliver messages,
/// keep bearer tokens in a keychain. The store decides *when*; a transport says *whether*.
public protocol MessagingTransport: Sendable {
    /// Starts the channel's inbound watcher; throws a reason a person can act on.
    func startWatcher(_ channel: MessagingChannel, settings: ChannelSettings) throws(MessagingError)
    /// Delivers `text` to `handle`; throws a reason a person can act on.
    func send(_ text: String, to handle: String, on channel: MessagingChannel) throws(MessagingError)
    /// Stores Slack bearer tokens in the OS keychain and answers the reference to persist.
    func storeSlackTokens(bot: String, app: String) throws(MessagingError) -> String
    /// Whether the daemon can read the channel's message database.
    func canReadChatDatabase(_ channel: MessagingChannel) -> Bool
}

/// This platform's answer: iMessage needs macOS (Messages and its chat.db), and there is no
/// OS keychain to hold Slack tokens, so nothing can be watched or delivered. Every refusal
/// says why, so a host UI can tell the person instead of showing a silent "off".
public struct UnavailableMessagingTransport: MessagingTransport {
    public init() {}

    public func startWatcher(_ channel: MessagingChannel, settings: ChannelSettings) throws(MessagingError) {
        switch channel {
        case .imessage:
            throw .platform("the iMessage watcher cannot start: it needs macOS (Messages and its chat.db)")
        case .slack:
            throw .platform("the Slack watcher cannot start: no bot and app tokens are provisioned (they need an OS keychain, which this platform lacks)")
        }
    }

    public func send(_ text: String, to handle: String, on channel: MessagingChannel) throws(MessagingError) {
        throw .platform("cannot deliver over iMessage here: sending needs macOS Messages")
    }

    public func storeSlackTokens(bot: String, app: String) throws(MessagingError) -> String {
        throw .platform("cannot provision Slack tokens: there is no OS keychain on this platform, and bearer tokens are never written to messaging.json")
    }

    public func canReadChatDatabase(_ channel: MessagingChannel) -> Bool { false }
}
