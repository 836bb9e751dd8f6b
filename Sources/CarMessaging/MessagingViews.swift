/// A channel's configuration as a host UI shows it: no tokens, no pairing code.
public struct MessagingConfigView: Sendable, Equatable {
    public var channel: MessagingChannel
    public var enabled: Bool
    public var allowlistedHandles: [String]
    public var pairingActive: Bool
}

/// A channel's live readiness, computed daemon-side so a host UI can show one state.
public struct MessagingStatusView: Sendable, Equatable {
    public var channel: MessagingChannel
    public var enabled: Bool
    /// At least one handle is on the allowlist.
    public var paired: Bool
    public var watcherRunning: Bool
    /// Whether the daemon itself can read the chat database it watches.
    public var chatDatabaseReadable: Bool
    public var lastSend: SendOutcome?
}

/// The result of the last delivery attempt on a channel.
public struct SendOutcome: Sendable, Equatable {
    public var atMilliseconds: Int64
    public var ok: Bool
    public var error: String?
}
