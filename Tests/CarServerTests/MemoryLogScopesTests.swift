import CarIO
import CarMemory
import CarRPC
import CarTestSupport
import Foundation
import Testing
@testable import CarHandlers
@testable import CarServer

/// Daemon-owned graphs kept as logs: every write path of the memory methods lands in the log,
/// agent graphs behave as namespace graphs do, and compaction through the scopes loses no
/// write that races it.
@Suite("memory scopes: logs")
struct MemoryLogScopesTests {
    private func daemon(root: String) throws -> (CarDaemon, Int) {
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0),
            state: ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: root + "/journals", memoryRoot: root + "/memory"),
            logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String = "null") throws -> JSONValue {
        let reply = try DaemonSessionTests.call(client, 1, method, params)
        #expect(reply["error"] == nil, "\(method): \(reply)")
        return reply
    }

    /// Every memory method that writes, on a bound connection; answers the log's path.
    private func writeThroughEveryMethod(_ client: WebSocketTestClient) throws {
        _ = try call(client, "memory.add_fact", #"{"subject":"language","body":"TypeScript","kind":"pattern"}"#)
        _ = try call(client, "memory.add_fact", #"{"subject":"language","body":"typescript","kind":"pattern","fact_id":"dup"}"#)
        _ = try call(client, "memory.add_fact", #"{"subject":"gone","body":"deleted below","kind":"pattern"}"#)
        _ = try call(client, "memory.save_knowledge", #"{"subject":"owner","body":"team alpha","id":"k1"}"#)
        _ = try call(client, "memory.save_knowledge", #"{"subject":"owner","body":"team beta","id":"k1"}"#)
        _ = try call(client, "memory.save_procedural", #"{"subject":"deploy","body":"never on friday","is_constraint":true}"#)
        #expect(try call(client, "memory.delete", #"{"id":"ws-2"}"#)["result"]?["deleted"] == true)
        #expect(try call(client, "memory.consolidate")["result"]?["merged"] == 1)
        _ = try call(client, "skill.ingest", #"{"name":"login","code":"click()","platform":"web","task_keywords":["login"]}"#)
        _ = try call(client, "skill.ingest", #"{"name":"login2","code":"click2()","supersedes":"login"}"#)
        _ = try call(client, "skill.report", #"{"skill_name":"login2","outcome":"success"}"#)
    }

    @Test func everyWritePathOfABoundNamespaceIsInItsLog() throws {
        let root = EchoServer.temporaryDirectory()
        let (running, port) = try daemon(root: root)
        defer { running.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { client.close() }
        _ = try call(client, "session.auth", #"{"memory_namespace":"every"}"#)
        try writeThroughEveryMethod(client)
        let path = NamespaceFileName.logPath(root: root + "/memory", namespace: "every")
        let live = try #require(running.state.session(clientID: running.state.sessionIDs[0])?.effectiveMemory())
        // Read back by a second, independent replay of the file as it is after the replies.
        let replayed = try MemoryLog.open(path: path).engine
        #expect(replayed.facts == live.facts && live.factCount == 3, "\(live.facts.map(\.id))")
        #expect(replayed.skills.list() == live.skills.list() && live.skills.count == 2)

        // memory.load is one line holding the loaded graph, and replays to it.
        let unbound = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { unbound.close() }
        _ = try call(unbound, "memory.add_fact", #"{"subject":"from","body":"a snapshot"}"#)
        _ = try call(unbound, "memory.persist", #"{"path":"snap.json"}"#)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
        #expect(try call(client, "memory.load", #"{"path":"snap.json"}"#)["result"] == 1)
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == lines + 1)
        let reloaded = try MemoryLog.open(path: path).engine
        #expect(reloaded.facts == live.facts && reloaded.facts.map(\.body) == ["a snapshot"])
        #expect(reloaded.skills.count == 0, "the snapshot had no skills: the load replaced them")
    }

    @Test func anAgentGraphTakesTheSameWritesAsANamespace() async throws {
        let root = EchoServer.temporaryDirectory()
        let (running, port) = try daemon(root: root)
        defer { running.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { client.close() }
        _ = try call(client, "server.ping")
        // What session.auth will do when an agent attaches.
        let session = try #require(running.state.session(clientID: running.state.sessionIDs[0]))
        try await session.bindAgentMemory("agent-7.v2_x")
        #expect(session.boundMemoryGraph == .agent("agent-7.v2_x"))
        #expect(session.boundMemoryNamespace == nil)
        try writeThroughEveryMethod(client)
        let path = root + "/memory/agents/agent-7.v2_x.jsonl"
        #expect(AgentFileName.logPath(root: root + "/memory", agent: "agent-7.v2_x") == path)
        let replayed = try MemoryLog.open(path: path).engine
        #expect(replayed.facts == session.effectiveMemory().facts && replayed.factCount == 3)
        #expect(replayed.skills.list() == session.effectiveMemory().skills.list())

        // A namespace of the same name is another graph, in another folder.
        let other = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { other.close() }
        _ = try call(other, "session.auth", #"{"memory_namespace":"agent-7.v2_x"}"#)
        #expect(try call(other, "memory.fact_count")["result"] == 0)
    }

    @Test func agentIDsThatAreNotFileNameSafeAreRefused() async throws {
        let scopes = MemoryScopes(root: EchoServer.temporaryDirectory(), mode: .perConnection)
        for id in ["", ".", "..", "a/b", "../x", "x y", "é", "a\u{0}b", String(repeating: "a", count: 214)] {
            do {
                _ = try await scopes.bind(agent: id)
                Issue.record("agent id \(id.debugDescription) was accepted")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(scopes.residentCount == 0)
        _ = try await scopes.bind(agent: String(repeating: "a", count: 213))
        _ = try await scopes.bind(agent: "Agent-1")
        #expect(scopes.residentCount == 2)
    }

    @Test func anEvictedAgentGraphIsReplayedFromItsLog() async throws {
        let root = EchoServer.temporaryDirectory()
        let scopes = MemoryScopes(root: root, mode: .perConnection, maxUnboundResident: 0)
        let first = try await scopes.bind(agent: "a1")
        try scopes.retain(first)
        _ = try first.engine.addFact(subject: "s", body: "kept", kind: "pattern")
        try await scopes.commit(first, through: first.log.recordedSeq)
        scopes.release(first)
        scopes.release(first)
        #expect(scopes.residentCount == 0)
        let again = try await scopes.bind(agent: "a1")
        #expect(again.engine !== first.engine)
        #expect(again.engine.facts.map(\.body) == ["kept"])
    }

    @Test func compactionThroughTheScopesKeepsWritesThatRaceIt() async throws {
        let root = EchoServer.temporaryDirectory()
        let scopes = MemoryScopes(root: root, mode: .perConnection, maxUnboundResident: 0, pool: BlockingPool(threads: 4, maxQueued: 4096))
        let binding = try await scopes.bind(namespace: "busy")
        for index in 0..<6_000 { _ = try binding.engine.addFact(subject: "s\(index)", body: "fact \(index)", kind: "pattern") }
        binding.engine.delete(ids: (1...5_500).map { "ws-\($0)" })
        // This write's commit sees 11,500 entries for 500 live: it starts a compaction itself.
        try await scopes.commit(binding, through: binding.log.recordedSeq)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = await scopes.compact(binding) }
            for index in 0..<300 {
                group.addTask {
                    try scopes.retain(binding)
                    defer { scopes.release(binding) }
                    _ = try binding.engine.addFact(subject: "raced", body: "write \(index)", kind: "pattern", id: "r\(index)")
                    if index % 3 == 0 { binding.engine.delete(id: "ws-\(5_501 + index)") }
                    try await scopes.commit(binding, through: binding.log.recordedSeq)
                }
            }
            try await group.waitForAll()
        }
        #expect(await eventually { !binding.log.isCompacting })
        #expect(binding.log.fileEntries < 2_000, "compacted: \(binding.log.fileEntries) entries")
        let expected = binding.engine.facts
        #expect(expected.count == 500 + 300 - 100)
        scopes.release(binding)   // the last hold (once the compaction's ends): it is evicted
        #expect(await eventually { scopes.residentCount == 0 })
        let again = try await scopes.bind(namespace: "busy")
        #expect(again.engine.facts == expected)
        let names = try FileManager.default.contentsOfDirectory(atPath: root + "/memory-namespaces")
        #expect(names == ["busy.jsonl"], "\(names)")
    }

    @Test func anOldNamespaceSnapshotLoadsAndMovesToTheLog() async throws {
        let root = EchoServer.temporaryDirectory()
        let legacy = NamespaceFileName.legacySnapshotPath(root: root, namespace: "Proj")
        try FileManager.default.createDirectory(atPath: root + "/memory-namespaces", withIntermediateDirectories: true)
        let old = MemoryEngine()
        for index in 0..<20 { try old.addFact(subject: "s\(index)", body: "from the snapshot \(index)", kind: "pattern") }
        try old.persist(to: legacy)
        let scopes = MemoryScopes(root: root, mode: .perConnection)
        let binding = try await scopes.bind(namespace: "Proj")
        #expect(binding.engine.facts == old.facts)
        #expect(!FileManager.default.fileExists(atPath: legacy))
        #expect(try MemoryLog.open(path: NamespaceFileName.logPath(root: root, namespace: "Proj")).engine.facts == old.facts)
    }

    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
