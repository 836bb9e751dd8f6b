import CarRPC
import Synchronization
import Testing
@testable import CarServer

/// Server→client calls: ids, routing of replies to the waiting caller, and failure on close.
@Suite("server→client calls")
struct PeerChannelTests {
    final class Outbox: Sendable {
        let frames = Mutex<[JSONValue]>([])
        func append(_ frame: JSONValue) { frames.withLock { $0.append(frame) } }
        var all: [JSONValue] { frames.withLock { $0 } }
    }

    func waitForFrames(_ outbox: Outbox, count: Int) async {
        for _ in 0..<500 where outbox.all.count < count { try? await Task.sleep(for: .milliseconds(2)) }
    }

    @Test func repliesReachTheirCallersByIDAndKeepTheirType() async throws {
        let outbox = Outbox()
        let channel = PeerChannel { outbox.append($0) }
        let first = Task { try await channel.call(method: "tools.execute", params: ["n": 1]) }
        let second = Task { try await channel.call(method: "tools.execute", params: ["n": 2]) }
        await waitForFrames(outbox, count: 2)
        let frames = outbox.all
        #expect(frames.count == 2)
        let ids = Set(frames.compactMap { $0["id"]?.stringValue })
        #expect(ids == ["cb-1", "cb-2"])
        // Answer out of order; an integer id that looks the same must not match.
        #expect(!channel.complete(id: .int(1), outcome: .success("wrong")))
        let byParams = Dictionary(uniqueKeysWithValues: frames.map { ($0["params"]?["n"]?.intValue ?? 0, $0["id"]!.stringValue!) })
        #expect(channel.complete(id: .string(byParams[2]!), outcome: .success("two")))
        #expect(channel.complete(id: .string(byParams[1]!), outcome: .failure(RPCError(code: -32000, message: "boom"))))
        #expect(try await second.value == "two")
        await #expect(throws: RPCError(code: -32000, message: "boom")) { try await first.value }
        #expect(channel.pendingCount == 0)
    }

    /// A scheduler whose timers fire only when the test says so.
    final class ManualScheduler: DeadlineScheduler {
        let armed = Mutex<[(deadline: UInt64, handle: ScheduledWork, work: @Sendable () -> Void)]>([])
        func schedule(deadline: UInt64, _ work: @escaping @Sendable () -> Void) -> ScheduledWork {
            let handle = ScheduledWork()
            armed.withLock { $0.append((deadline, handle, work)) }
            return handle
        }
        /// Fires every live timer (as if its deadline had come) and reports how many ran.
        func fireAll() -> Int {
            let due = armed.withLock { armed in defer { armed.removeAll() }; return armed.filter { !$0.handle.isCancelled } }
            for timer in due { timer.work() }
            return due.count
        }
        var live: Int { armed.withLock { $0.filter { !$0.handle.isCancelled }.count } }
    }

    @Test func oneTimerServesEveryDeadlineAndExpiredCallsFail() async throws {
        let outbox = Outbox()
        let scheduler = ManualScheduler()
        let deadlines = DeadlineTable(scheduler: scheduler)
        let channel = PeerChannel(deadlines: deadlines) { outbox.append($0) }
        let quick = Task { try await channel.call(id: .string("cb-1"), method: "tools.execute", params: nil, timeout: .milliseconds(1)) }
        await waitForFrames(outbox, count: 1)
        let slow = Task { try await channel.call(id: .string("cb-2"), method: "tools.execute", params: nil, timeout: .seconds(3600)) }
        await waitForFrames(outbox, count: 2)
        #expect(scheduler.live == 1, "a later deadline must not arm a second timer")
        try await Task.sleep(for: .milliseconds(5))
        #expect(scheduler.fireAll() == 1)
        await #expect(throws: PeerError.timedOut(method: "tools.execute", seconds: 0.001)) { try await quick.value }
        // The slow call is still waiting, and the channel re-armed for its deadline.
        #expect(channel.pendingCount == 1)
        #expect(scheduler.live == 1)
        #expect(channel.complete(id: .string("cb-2"), outcome: .success("late but in time")))
        #expect(try await slow.value == "late but in time")
        // A reply to the expired call is an unknown id now.
        #expect(!channel.complete(id: .string("cb-1"), outcome: .success("too late")))
        #expect(deadlines.count == 0, "answered and expired calls leave no deadline behind")
        deadlines.close()
        #expect(scheduler.live == 0, "closing cancels the armed timer")
    }

    @Test func closingFailsEveryPendingCall() async {
        let outbox = Outbox()
        let channel = PeerChannel { outbox.append($0) }
        let pending = Task { try await channel.call(method: "tools.execute", params: nil) }
        await waitForFrames(outbox, count: 1)
        channel.close()
        await #expect(throws: PeerError.channelClosed(method: "tools.execute")) { try await pending.value }
        await #expect(throws: PeerError.channelClosed(method: "tools.execute")) {
            try await channel.call(method: "tools.execute", params: nil)
        }
    }

    @Test func cancellationReleasesTheSlot() async {
        let outbox = Outbox()
        let channel = PeerChannel { outbox.append($0) }
        let task = Task { try await channel.call(method: "tools.execute", params: nil) }
        await waitForFrames(outbox, count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(channel.pendingCount == 0)
    }

    @Test func aBroadcastGoesOutAsTheBytesItWasSerializedToOnceAndNotAfterClose() throws {
        let serialized = Mutex<[[UInt8]]>([])
        let outbox = Outbox()
        let channels = (0..<3).map { _ in
            PeerChannel(sendSerialized: { bytes in serialized.withLock { $0.append(bytes) } }) { outbox.append($0) }
        }
        channels[2].close()
        RPCOutbound.broadcast(Ping.self, ["n": 7], to: channels.map { $0 as any RPCPeer })
        let sent = serialized.withLock { $0 }
        #expect(sent.count == 2, "the closed channel sends nothing")
        #expect(outbox.all.isEmpty, "a broadcast never re-encodes per peer")
        #expect(Set(sent).count == 1)
        #expect(try JSONParser.parse(sent[0]) == ["jsonrpc": "2.0", "method": "test.ping", "params": ["n": 7]])
    }

    enum Ping: RPCNotificationMethod {
        typealias Params = JSONValue
        static let descriptor = MethodDescriptor(name: "test.ping", kind: .notification, direction: .serverToClient, summary: "",
                                                 auth: .none, approval: .none, handshake: .none, deadlineMilliseconds: nil,
                                                 errorCodes: [], paramsErrorCode: nil)
    }
}
