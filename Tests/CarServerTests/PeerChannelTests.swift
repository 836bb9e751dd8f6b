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
}
