import CarFiles
import CarJSON
import CarWebSocket
import Glibc
import Synchronization
import Testing
@testable import CarMessaging

/// A transport that can do everything and counts what it was asked, to see when the store
/// starts watchers and what it hands over.
private final class RecordingTransport: MessagingTransport {
    let watcherStarts = Mutex<[MessagingChannel]>([])
    let sends = Mutex<[String]>([])

    func startWatcher(_ channel: MessagingChannel, settings: ChannelSettings) throws(MessagingError) {
        watcherStarts.withLock { $0.append(channel) }
    }
    func send(_ text: String, to handle: String, on channel: MessagingChannel) throws(MessagingError) {
        sends.withLock { $0.append(handle) }
    }
    func storeSlackTokens(bot: String, app: String) throws(MessagingError) -> String { "keychain:car-slack" }
    func canReadChatDatabase(_ channel: MessagingChannel) -> Bool { true }
}

@Suite("messaging configuration")
struct MessagingConfigStoreTests {
    private func temporaryFile() -> String {
        var template = Array("/tmp/car-messaging-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return directory + "/messaging.json"
    }

    @Test func bothChannelsStartOffAndEmpty() {
        let store = MessagingConfigStore(path: nil)
        for channel in MessagingChannel.allCases {
            #expect(store.view(channel) == MessagingConfigView(channel: channel, enabled: false, allowlistedHandles: [], pairingActive: false))
        }
    }

    @Test func allowlistEditsReplaceThenAddThenRemove() throws {
        let store = MessagingConfigStore(path: nil)
        _ = try store.apply(MessagingChange(allowlistedHandles: ["a"]), to: .imessage)
        let view = try store.apply(MessagingChange(allowlistedHandles: ["b", " c ", "b"], add: ["d", "c"], remove: ["b"]), to: .imessage)
        #expect(view.allowlistedHandles == ["c", "d"])
        #expect(try store.apply(MessagingChange(add: ["e"]), to: .imessage).allowlistedHandles == ["c", "d", "e"])
        #expect(store.view(.slack).allowlistedHandles.isEmpty, "channels are independent")
    }

    @Test func badHandlesAreRefusedAndChangeNothing() throws {
        let store = MessagingConfigStore(path: nil)
        _ = try store.apply(MessagingChange(add: ["keep"]), to: .imessage)
        #expect(throws: MessagingError.self) { try store.apply(MessagingChange(add: ["  "]), to: .imessage) }
        #expect(throws: MessagingError.self) { try store.apply(MessagingChange(add: [String(repeating: "x", count: 257)]), to: .imessage) }
        let many = (0...MessagingConfigStore.maxHandles).map { "h\($0)" }
        #expect(throws: MessagingError.self) { try store.apply(MessagingChange(add: many), to: .imessage) }
        // A list over the bound assembled from two legal halves is refused too.
        _ = try store.apply(MessagingChange(add: Array(many.prefix(200))), to: .slack)
        #expect(throws: MessagingError.self) { try store.apply(MessagingChange(add: Array(many.suffix(100))), to: .slack) }
        #expect(store.view(.imessage).allowlistedHandles == ["keep"])
        #expect(store.view(.slack).allowlistedHandles.count == 200)
    }

    @Test func enablingWhereNoWatcherCanRunSavesTheFlagAndSaysWhy() throws {
        let path = temporaryFile()
        let store = MessagingConfigStore(path: path)
        do {
            _ = try store.apply(MessagingChange(enabled: true), to: .imessage)
            Issue.record("enabling iMessage on Linux should report the watcher failure")
        } catch {
            #expect(error.description.contains("macOS"))
        }
        #expect(store.view(.imessage).enabled)
        #expect(!store.status(.imessage).watcherRunning)
        #expect(MessagingConfigStore(path: path).view(.imessage).enabled, "the flag is on disk")
        // An allowlist edit on the enabled channel does not re-report the watcher.
        #expect(try store.apply(MessagingChange(add: ["me"]), to: .imessage).allowlistedHandles == ["me"])
    }

    @Test func enablingStartsTheWatcherOnceAndBootStartsSavedOnes() throws {
        let path = temporaryFile()
        let transport = RecordingTransport()
        let store = MessagingConfigStore(path: path, transport: transport)
        _ = try store.apply(MessagingChange(enabled: true), to: .slack)
        _ = try store.apply(MessagingChange(enabled: true), to: .slack)
        #expect(transport.watcherStarts.withLock { $0 } == [.slack])
        #expect(store.status(.slack).watcherRunning)

        let restarted = RecordingTransport()
        let again = MessagingConfigStore(path: path, transport: restarted)
        #expect(again.startEnabledWatchers().isEmpty)
        #expect(restarted.watcherStarts.withLock { $0 } == [.slack])
        #expect(again.startEnabledWatchers().isEmpty && restarted.watcherStarts.withLock { $0 }.count == 1)
        #expect(MessagingConfigStore(path: path).startEnabledWatchers().map(\.channel) == [.slack])
    }

    @Test func slackTokensGoToTheKeychainNeverToTheFile() throws {
        let path = temporaryFile()
        let store = MessagingConfigStore(path: path, transport: RecordingTransport())
        #expect(throws: MessagingError.self) { try store.apply(MessagingChange(botToken: "xapp-1", appToken: "xapp-2"), to: .slack) }
        _ = try store.apply(MessagingChange(botToken: "xoxb-secret", appToken: "xapp-secret", slackChannel: "C1"), to: .slack)
        let text = String(decoding: try FileSystem.readWhole(path, limit: 1 << 20), as: UTF8.self)
        #expect(!text.contains("secret"))
        #expect(text.contains("keychain:car-slack") && text.contains("C1"))
        // Where there is no keychain the whole call is refused and nothing changes.
        let bare = MessagingConfigStore(path: nil)
        #expect(throws: MessagingError.self) { try bare.apply(MessagingChange(add: ["U1"], botToken: "xoxb-1", appToken: "xapp-1"), to: .slack) }
        #expect(bare.view(.slack).allowlistedHandles.isEmpty)
        // One token alone is ignored, as the reference does; the rest of the change applies.
        #expect(try bare.apply(MessagingChange(add: ["U1"], botToken: "xoxb-1"), to: .slack).allowlistedHandles == ["U1"])
    }

    @Test func keysThisVersionDoesNotKnowSurviveASave() throws {
        let path = temporaryFile()
        try FileSystem.writeAtomically(Array(#"{"imessage":{"enabled":false,"allowlisted_handles":["a"],"future":1},"sms":{"x":true}}"#.utf8),
                                       to: path, mode: 0o600)
        let store = MessagingConfigStore(path: path)
        _ = try store.apply(MessagingChange(add: ["b"]), to: .imessage)
        let saved = try JSONParser.parse(FileSystem.readWhole(path, limit: 1 << 20))
        #expect(saved["imessage"]?["future"] == 1)
        #expect(saved["sms"] == ["x": true])
        #expect(saved["imessage"]?["allowlisted_handles"] == ["a", "b"])
    }

    @Test func anUnreadableFileIsMovedAsideNotLost() throws {
        let path = temporaryFile()
        try FileSystem.writeAtomically(Array("{not json".utf8), to: path, mode: 0o600)
        let store = MessagingConfigStore(path: path)
        let aside = try #require(store.recoveredFrom)
        #expect(String(decoding: try FileSystem.readWhole(aside, limit: 64), as: UTF8.self) == "{not json")
        #expect(!FileSystem.exists(path))
        #expect(!store.view(.imessage).enabled)
    }

    @Test func pairingCodesAre43Base64URLCharactersAndRotate() {
        let store = MessagingConfigStore(path: nil)
        #expect(store.pairingCode(.imessage) == nil)
        let first = store.startPairing(.imessage)
        #expect(first.code.count == 43)
        #expect(first.code.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(first.view.pairingActive)
        let second = store.startPairing(.imessage)
        #expect(second.code != first.code && store.pairingCode(.imessage) == second.code)
        #expect(store.pairingCode(.slack) == nil)
        #expect(Base64.encodeURLNoPad([0xFB, 0xFF]) == "-_8")
    }

    @Test func testSendReportsWhatStoodInTheWayAndRecordsIt() throws {
        let store = MessagingConfigStore(path: nil, transport: RecordingTransport())
        #expect(store.testSend(.imessage).error?.contains("off") == true)
        _ = try store.apply(MessagingChange(enabled: true), to: .imessage)
        #expect(store.testSend(.imessage).error?.contains("nobody is paired") == true)
        _ = try store.apply(MessagingChange(add: ["+15550100"]), to: .imessage)
        #expect(store.testSend(.imessage).ok)
        #expect(store.status(.imessage).lastSend?.ok == true)
        #expect(store.testSend(.slack).error?.contains("not supported") == true)
        #expect(store.status(.slack).lastSend?.ok == false)
        let linux = MessagingConfigStore(path: nil)
        _ = try? linux.apply(MessagingChange(enabled: true, add: ["+15550100"]), to: .imessage)
        #expect(linux.testSend(.imessage).error?.contains("macOS") == true)
    }

    @Test func twoDaemonsOnOneFileDoNotUndoEachOther() throws {
        let path = temporaryFile()
        let first = MessagingConfigStore(path: path)
        let second = MessagingConfigStore(path: path)
        _ = try first.apply(MessagingChange(allowlistedHandles: ["+1555", "+1666"]), to: .imessage)
        #expect(second.view(.imessage).allowlistedHandles == ["+1555", "+1666"], "a read sees the other store's write")
        _ = try first.apply(MessagingChange(remove: ["+1555"]), to: .imessage)
        // The second store's change is made against the file, so the removed approver stays removed.
        _ = try second.apply(MessagingChange(add: ["+1777"]), to: .imessage)
        #expect(MessagingConfigStore(path: path).view(.imessage).allowlistedHandles == ["+1666", "+1777"])
    }

    @Test func aFileThatTurnsUnreadableIsNeitherOverwrittenNorGuessedAt() throws {
        let path = temporaryFile()
        let store = MessagingConfigStore(path: path)
        _ = try store.apply(MessagingChange(add: ["a"]), to: .imessage)
        try FileSystem.writeAtomically(Array(#"{"imessage":{"enabled":"yes"}}"#.utf8), to: path, mode: 0o600)
        #expect(throws: MessagingError.self) { try store.apply(MessagingChange(add: ["b"]), to: .imessage) }
        #expect(String(decoding: try FileSystem.readWhole(path, limit: 1 << 10), as: UTF8.self) == #"{"imessage":{"enabled":"yes"}}"#)
        #expect(store.view(.imessage).allowlistedHandles == ["a"], "reads keep the last good state")
        // At startup such a file is moved aside whole, never read as defaults and saved over.
        let restarted = MessagingConfigStore(path: path)
        let aside = try #require(restarted.recoveredFrom)
        #expect(String(decoding: try FileSystem.readWhole(aside, limit: 1 << 10), as: UTF8.self).contains("yes"))
        for section in [#"{"slack":[]}"#, #"{"imessage":{"allowlisted_handles":[1]}}"#, #"{"slack":{"slack_channel":7}}"#] {
            try FileSystem.writeAtomically(Array(section.utf8), to: path, mode: 0o600)
            #expect(MessagingConfigStore(path: path).recoveredFrom != nil, "\(section)")
        }
    }

    @Test func theSlackChannelIsBoundedSoTheFileStaysReadable() throws {
        let path = temporaryFile()
        let store = MessagingConfigStore(path: path)
        #expect(throws: MessagingError.self) {
            try store.apply(MessagingChange(slackChannel: String(repeating: "C", count: 2 << 20)), to: .slack)
        }
        #expect(throws: MessagingError.self) { try store.apply(MessagingChange(slackChannel: ""), to: .slack) }
        _ = try store.apply(MessagingChange(slackChannel: "C0123"), to: .slack)
        let restarted = MessagingConfigStore(path: path)
        #expect(restarted.recoveredFrom == nil)
    }
}
