import CarFiles
import CarJSON
import CarWebSocket
import Glibc
import Synchronization

/// The approval-transport configuration (`<state root>/messaging.json`) and each channel's
/// live state. The only place an allowlist changes; every change is on disk, written
/// atomically, before the caller hears about it. Pairing codes and liveness stay in memory.
public final class MessagingConfigStore: Sendable {
    /// Allowlists are short lists of people; the bounds keep one call from growing the file
    /// without limit.
    public static let maxHandles = 256
    public static let maxHandleBytes = 256
    public static let maxSlackChannelBytes = 256
    /// The fixed self-test text `messaging.test_send` delivers.
    public static let selfTestText = "CAR test: your iMessage approvals are connected. No action needed."

    private struct Live {
        var saved: MessagingConfigFile.Contents
        /// The version of the file `saved` was read from or written as.
        var stamp: MessagingConfigFile.Stamp?
        var pairingCodes: [MessagingChannel: String] = [:]
        var watchers: Set<MessagingChannel> = []
        var lastSend: [MessagingChannel: SendOutcome] = [:]
    }

    /// nil keeps the configuration in memory only (embedders, tests).
    private let file: MessagingConfigFile?
    private let transport: any MessagingTransport
    private let live: Mutex<Live>
    /// Set when an unreadable messaging.json was moved aside at startup, naming where it went.
    public let recoveredFrom: String?

    public init(path: String?, transport: any MessagingTransport = UnavailableMessagingTransport()) {
        self.file = path.map(MessagingConfigFile.init(path:))
        self.transport = transport
        var contents = MessagingConfigFile.Contents()
        var movedAside: String?
        if let file {
            do {
                contents = try file.read()
            } catch {
                // Start with messaging off, and keep what was there for the person to look at.
                movedAside = file.moveAside()
            }
        }
        self.live = Mutex(Live(saved: contents, stamp: file?.stamp()))
        self.recoveredFrom = movedAside
    }

    public func view(_ channel: MessagingChannel) -> MessagingConfigView {
        live.withLock { state in
            try? refresh(&state)
            return Self.view(channel, state)
        }
    }

    /// Picks up another daemon's write to the shared file. Throws when the file changed into
    /// something unreadable; the state is then left as it was.
    private func refresh(_ state: inout Live) throws(MessagingError) {
        guard let file else { return }
        let stamp = file.stamp()
        guard stamp != state.stamp else { return }
        state.saved = try file.read()
        state.stamp = stamp
    }

    /// Applies `change` to one channel and saves it. Turning a channel on starts its watcher;
    /// when that fails the saved flag stays (the UI learns why the watcher is down) and the
    /// reason is thrown after the save.
    public func apply(_ change: MessagingChange, to channel: MessagingChannel) throws(MessagingError) -> MessagingConfigView {
        let handles = try Self.validated(change)
        let provisioning = channel == .slack ? try slackTokens(change) : nil
        if let file {
            return try file.withLock { () throws(MessagingError) -> MessagingConfigView in try apply(handles, provisioning, change, channel) }
        }
        return try apply(handles, provisioning, change, channel)
    }

    private func apply(_ handles: HandleChange, _ provisioning: (bot: String, app: String)?, _ change: MessagingChange,
                       _ channel: MessagingChannel) throws(MessagingError) -> MessagingConfigView {
        try live.withLock { (state: inout Live) throws(MessagingError) -> MessagingConfigView in
            // Under the file lock: change what is on disk now, not what this process last saw.
            do {
                try refresh(&state)
            } catch {
                throw .storage("\(error); fix or remove the file, nothing was saved")
            }
            var settings = state.saved.channels[channel] ?? ChannelSettings()
            if let enabled = change.enabled { settings.enabled = enabled }
            if let replacement = handles.replacement { settings.allowlistedHandles = Self.deduplicated(replacement) }
            settings.allowlistedHandles = Self.deduplicated(settings.allowlistedHandles + handles.add)
            settings.allowlistedHandles.removeAll { handles.remove.contains($0) }
            guard settings.allowlistedHandles.count <= Self.maxHandles else {
                throw .invalid("the \(channel.rawValue) allowlist would hold \(settings.allowlistedHandles.count) handles; at most \(Self.maxHandles)")
            }
            if channel == .slack, let slackChannel = change.slackChannel { settings.slackChannel = slackChannel }
            if let provisioning {
                settings.keychainReference = try transport.storeSlackTokens(bot: provisioning.bot, app: provisioning.app)
            }
            var next = state.saved
            next.channels[channel] = settings
            if let file {
                try file.write(next)
                state.stamp = file.stamp()
            }
            state.saved = next
            // Only an explicit enable starts a watcher, so an allowlist edit on a channel whose
            // watcher is down does not answer an error about something it did not ask for.
            if change.enabled == true && !state.watchers.contains(channel) {
                try transport.startWatcher(channel, settings: settings)
                state.watchers.insert(channel)
            }
            return Self.view(channel, state)
        }
    }

    /// Starts the watcher of every channel saved as enabled (daemon startup); answers the
    /// channels whose watcher could not start, with the reason.
    public func startEnabledWatchers() -> [(channel: MessagingChannel, reason: MessagingError)] {
        live.withLock { state in
            var failures: [(channel: MessagingChannel, reason: MessagingError)] = []
            for channel in MessagingChannel.allCases where state.saved.channels[channel]?.enabled == true && !state.watchers.contains(channel) {
                do throws(MessagingError) {
                    try transport.startWatcher(channel, settings: state.saved.channels[channel] ?? ChannelSettings())
                    state.watchers.insert(channel)
                } catch {
                    failures.append((channel, error))
                }
            }
            return failures
        }
    }

    /// Mints a fresh pairing code for the channel, replacing any active one.
    public func startPairing(_ channel: MessagingChannel) -> (code: String, view: MessagingConfigView) {
        // Shown only in local UI; the person sends it back over the channel to join the allowlist.
        let code = Base64.randomURLToken()
        return live.withLock { state in
            state.pairingCodes[channel] = code
            return (code, Self.view(channel, state))
        }
    }

    public func pairingCode(_ channel: MessagingChannel) -> String? {
        live.withLock { $0.pairingCodes[channel] }
    }

    public func status(_ channel: MessagingChannel) -> MessagingStatusView {
        let readable = transport.canReadChatDatabase(channel)
        return live.withLock { state in
            try? refresh(&state)
            let settings = state.saved.channels[channel] ?? ChannelSettings()
            return MessagingStatusView(channel: channel, enabled: settings.enabled, paired: !settings.allowlistedHandles.isEmpty,
                                       watcherRunning: state.watchers.contains(channel), chatDatabaseReadable: readable,
                                       lastSend: state.lastSend[channel])
        }
    }

    /// Sends the fixed self-test message to the channel's first paired handle. Creates no
    /// approval and no pairing; the outcome becomes the channel's last send.
    public func testSend(_ channel: MessagingChannel) -> SendOutcome {
        let settings = live.withLock { state in
            try? refresh(&state)
            return state.saved.channels[channel] ?? ChannelSettings()
        }
        var failure: String?
        if channel == .slack {
            failure = "test sends are not supported on the slack channel yet"
        } else if !settings.enabled {
            failure = "the \(channel.rawValue) channel is off: enable it with messaging.config.set {enabled: true}"
        } else if let handle = settings.allowlistedHandles.first {
            do throws(MessagingError) {
                try transport.send(Self.selfTestText, to: handle, on: channel)
            } catch {
                failure = error.description
            }
        } else {
            failure = "nobody is paired on \(channel.rawValue): start pairing with messaging.pairing.start"
        }
        let outcome = SendOutcome(atMilliseconds: RFC3339.nowMicros() / 1000, ok: failure == nil, error: failure)
        live.withLock { $0.lastSend[channel] = outcome }
        return outcome
    }

    // MARK: - Validation

    private struct HandleChange {
        var replacement: [String]?
        var add: [String]
        var remove: [String]
    }

    private static func validated(_ change: MessagingChange) throws(MessagingError) -> HandleChange {
        func clean(_ handles: [String], _ field: String) throws(MessagingError) -> [String] {
            guard handles.count <= maxHandles else { throw .invalid("\(field) holds \(handles.count) handles; at most \(maxHandles)") }
            var out: [String] = []
            for raw in handles {
                let handle = raw.trimmingWhitespace()
                guard !handle.isEmpty else { throw .invalid("\(field) holds an empty handle") }
                guard handle.utf8.count <= maxHandleBytes else { throw .invalid("\(field) holds a handle longer than \(maxHandleBytes) bytes") }
                out.append(handle)
            }
            return out
        }
        if let slackChannel = change.slackChannel {
            guard !slackChannel.isEmpty, slackChannel.utf8.count <= maxSlackChannelBytes else {
                throw .invalid("slack_channel must be 1 to \(maxSlackChannelBytes) bytes")
            }
        }
        return HandleChange(replacement: try change.allowlistedHandles.map { (list) throws(MessagingError) in try clean(list, "allowlisted_handles") },
                            add: try clean(change.add, "add_handles"), remove: try clean(change.remove, "remove_handles"))
    }

    /// Tokens are provisioned only as a pair; one alone is ignored, as the reference does.
    private func slackTokens(_ change: MessagingChange) throws(MessagingError) -> (bot: String, app: String)? {
        guard let bot = change.botToken, let app = change.appToken else { return nil }
        guard bot.hasPrefix("xoxb-") else { throw .invalid("bot_token must be a Slack bot token (xoxb-...)") }
        guard app.hasPrefix("xapp-") else { throw .invalid("app_token must be a Slack app-level token (xapp-...)") }
        return (bot, app)
    }

    private static func deduplicated(_ handles: [String]) -> [String] {
        var seen = Set<String>()
        return handles.filter { seen.insert($0).inserted }
    }

    private static func view(_ channel: MessagingChannel, _ state: Live) -> MessagingConfigView {
        let settings = state.saved.channels[channel] ?? ChannelSettings()
        return MessagingConfigView(channel: channel, enabled: settings.enabled, allowlistedHandles: settings.allowlistedHandles,
                                   pairingActive: state.pairingCodes[channel] != nil)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
