import CarEngine
import CarHandlers
import CarJSON
import CarTestSupport
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import CarServer

/// Journals through the assembled daemon over real (Unix) sockets: files only for sessions
/// that journal, removal of the empty ones at disconnect, the folder's cap, and
/// `events.retention` compacting the file.
@Suite("journals: lifecycle, cap and retention over the wire")
struct JournalLifecycleTests {
    final class RunningDaemon: Sendable {
        let daemon: CarDaemon
        let socketPath: String
        let journals: String

        init(limits: JournalLimits = JournalLimits()) throws {
            let root = EchoServer.temporaryDirectory()
            journals = root + "/journals"
            socketPath = root + "/car.sock"
            var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: journals)
            state.journalLimits = limits
            daemon = CarDaemon(configuration: DaemonConfiguration(
                transport: TransportConfig(port: 0, unixSocketPath: socketPath), state: state, logger: Logger(minimum: .error)))
            _ = try daemon.start()
        }

        func connect() throws -> WebSocketTestClient { try WebSocketTestClient(unixPath: socketPath) }

        /// Every session gone and every close and cap sweep done, within `timeout` seconds.
        func settle(timeout: Double = 30) async -> Bool {
            let deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
            while daemon.state.sessionCount > 0 {
                if ContinuousClock.now >= deadline { return false }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return await daemon.state.journals?.waitUntilIdle(timeout: .seconds(timeout)) ?? false
        }

        func files() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: journals).sorted()
        }

        func stop() { daemon.shutdown() }
    }

    static func call(_ client: WebSocketTestClient, _ id: Int, _ method: String, _ params: String = "null") throws -> JSONValue {
        try client.sendText(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#)
        let text = try #require(try client.receiveJSONText())
        return try JSONParser.parse(text)
    }

    /// A proposal of `count` state writes: 3 events per action and 2 for the proposal.
    static func writes(_ count: Int, id: String = "p") -> String {
        let actions = (0..<count).map { #"{"id":"w\#($0)","type":"state_write","parameters":{"key":"k\#($0)","value":\#($0)}}"# }
        return #"{"proposal":{"id":"\#(id)","actions":[\#(actions.joined(separator: ","))]}}"#
    }

    static func onThread(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                body()
                done.resume()
            }.start()
        }
    }

    static func lines(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    @Test(.timeLimit(.minutes(1)))
    func tenThousandConnectionsLeaveOnlyJournalsWithEventsAndStayWithinTheCap() async throws {
        let running = try RunningDaemon(limits: JournalLimits(maxFiles: 20))
        defer { running.stop() }
        let total = 10_000
        let workers = 4
        let failures = Failures()
        // One in 200 connections journals (a one-write proposal); of the others, half touch the
        // runtime without journaling (state.set, which made a file per connection before) and
        // half only ping.
        // The blocking clients run on a thread of their own, not on the test's cooperative
        // thread, so the daemon's tasks (closes, cap sweeps) are not starved meanwhile.
        await Self.onThread {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in stride(from: worker, to: total, by: workers) {
                    do {
                        let client = try running.connect()
                        defer { client.close() }
                        let reply: JSONValue
                        if index % 200 == 0 {
                            reply = try Self.call(client, 1, "proposal.submit", Self.writes(1, id: "p\(index)"))
                        } else if index % 2 == 0 {
                            reply = try Self.call(client, 1, "state.set", #"{"key":"k","value":\#(index)}"#)
                        } else {
                            reply = try Self.call(client, 1, "server.ping")
                        }
                        if reply["result"] == nil { failures.note("connection \(index): \(reply)") }
                    } catch {
                        failures.note("connection \(index): \(error)")
                    }
                }
            }
        }
        let failed = failures.all
        #expect(failed.count == 0, "\(failed.prefix(3))")
        #expect(await running.settle())
        let files = try running.files()
        #expect(files.count == 20, "50 sessions journaled; the cap keeps the newest 20 and nothing else is left: \(files.count) files")
        #expect(files.allSatisfy { $0.hasSuffix(".jsonl") })
        for name in files {
            let events = try Self.lines(running.journals + "/" + name)
            #expect(events.map { $0["kind"] } == ["proposal_received", "action_started", "state_changed", "action_succeeded", "proposal_completed"])
        }
        #expect(running.daemon.state.journals?.liveCount == 0)
    }

    @Test func retentionAnswersAsTheClientExpectsAndCompactsTheJournal() async throws {
        let running = try RunningDaemon()
        defer { running.stop() }
        let client = try running.connect()
        // The official client sends null params for a get.
        #expect(try Self.call(client, 1, "events.retention")["result"] == ["policy": ["max_events": .null, "max_age_secs": .null]])
        #expect(try running.files().isEmpty, "no event yet, so no file")

        #expect(try Self.call(client, 2, "proposal.submit", Self.writes(500))["result"]?["proposal_id"] == "p")
        let count = try #require(try Self.call(client, 3, "events.count")["result"]?.intValue)
        #expect(count == 1502)
        let journal = try #require(try running.files().first.map { running.journals + "/" + $0 })
        #expect(try Self.lines(journal).count == 1502)

        let set = try Self.call(client, 4, "events.retention", #"{"policy":{"max_events":10}}"#)
        #expect(set["result"] == ["policy": ["max_events": 10, "max_age_secs": .null], "removed": .int(count - 10)])
        // The reply came after the rewrite: the file holds exactly the ten events kept.
        #expect(try Self.lines(journal).map { $0["seq"]?.intValue } == Array(1493...1502).map { Int64($0) })
        #expect(try Self.call(client, 5, "events.query", #"{"limit":1}"#)["result"]?["count"] == 1)
        #expect(try Self.call(client, 6, "events.retention")["result"] == ["policy": ["max_events": 10, "max_age_secs": .null]])
        let negative = try Self.call(client, 7, "events.retention", #"{"policy":{"max_age_secs":-1}}"#)
        #expect(negative["error"]?["message"] == "invalid params: 'policy.max_age_secs' must be >= 0, got -1")
        // Out-of-range and fractional bounds are refused; the largest integer saturates.
        for bad in [#"{"max_events":1e30}"#, #"{"max_age_secs":18446744073709551616}"#, #"{"max_events":1.5}"#, #"{"max_events":"10"}"#] {
            let refused = try Self.call(client, 8, "events.retention", #"{"policy":\#(bad)}"#)
            #expect(refused["error"]?["code"] == -32602, "\(bad): \(refused)")
        }
        let widest = try Self.call(client, 9, "events.retention", #"{"policy":{"max_events":10,"max_age_secs":9223372036854775807}}"#)
        #expect(widest["result"]?["removed"] == 0)
        #expect(try Self.call(client, 10, "events.count")["result"] == 10)

        // A second session whose events are all trimmed away leaves nothing at disconnect.
        let emptied = try running.connect()
        _ = try Self.call(emptied, 1, "proposal.submit", Self.writes(500, id: "q"))
        #expect(try running.files().count == 2)
        let cleared = try Self.call(emptied, 2, "events.retention", #"{"policy":{"max_events":0}}"#)
        #expect(cleared["result"]?["removed"] == 1502)
        emptied.close()
        client.close()
        #expect(await running.settle())
        #expect(try running.files() == [(journal as NSString).lastPathComponent], "the emptied journal is gone, the other kept")
        #expect(try Self.lines(journal).count == 10)
    }
}

/// Errors noted from several threads.
final class Failures: Sendable {
    private let entries = Mutex<[String]>([])
    func note(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}
