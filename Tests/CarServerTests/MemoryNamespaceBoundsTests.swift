import CarIO
import CarMemory
import CarRPC
import CarTestSupport
import Dispatch
import Foundation
import Testing
@testable import CarHandlers
@testable import CarServer

/// Namespace graphs are bounded (issue 9: 4,000 long namespace names kept 193 MiB): names
/// must fit a file name, and graphs nobody is bound to are evicted least recently used,
/// then read back from their snapshot.
@Suite("daemon: memory namespace bounds")
struct MemoryNamespaceBoundsTests {
    private func daemon(root: String) throws -> (CarDaemon, Int) {
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(port: 0),
            state: ServerStateConfig(authToken: "t", hostToken: nil, journalDirectory: root + "/journals", memoryRoot: root + "/memory"),
            logger: Logger(minimum: .error)))
        return (daemon, try daemon.start().tcpPort)
    }

    private func call(_ client: WebSocketTestClient, _ method: String, _ params: String = "null") throws -> JSONValue {
        try DaemonSessionTests.call(client, 1, method, params)
    }

    @Test func aNameWhoseFileNameWouldNotFitNameMaxIsRefusedAtBindBeforeAnyWrite() throws {
        let root = EchoServer.temporaryDirectory()
        let (running, port) = try daemon(root: root)
        defer { running.shutdown() }
        // A log is compacted through `<file>.tmp-<pid>-<n>`, so its name may take 255
        // (NAME_MAX) less 36 bytes: 213 pass-through bytes + ".jsonl"; one more is too many.
        // Uppercase letters encode to three bytes each: 71 fit, 72 do not.
        #expect(NamespaceFileName.maxFileNameBytes == 219)
        let cases: [(name: String, fits: Bool)] = [
            (String(repeating: "a", count: 213), true), (String(repeating: "a", count: 214), false),
            (String(repeating: "A", count: 71), true), (String(repeating: "A", count: 72), false),
            // Within the 64 KiB a message may have before auth.
            (String(repeating: "é", count: 30_000), false),
        ]
        for (name, fits) in cases {
            let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
            defer { client.close() }
            let auth = try call(client, "session.auth", #"{"token":"t","memory_namespace":"\#(name)"}"#)
            if fits {
                #expect(auth["result"]?["memory_namespace"]?.stringValue == name)
                let added = try call(client, "memory.add_fact", #"{"subject":"s","body":"b"}"#)
                #expect(added["result"] == 1, "\(added)")
                #expect(FileManager.default.fileExists(atPath: NamespaceFileName.logPath(root: root + "/memory", namespace: name)))
            } else {
                #expect(auth["error"]?["code"] == -32602, "\(name.utf8.count) bytes")
                let message = auth["error"]?["message"]?.stringValue ?? ""
                #expect(message.contains("memory_namespace is too long") && message.contains("NAME_MAX"), "\(message)")
                // Nothing was granted: the connection is still unauthenticated.
                #expect(try call(client, "memory.fact_count")["error"]?["code"] == -32001)
            }
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/memory/memory-namespaces")) ?? []
        #expect(files.count == 2, "only the names that fit have snapshots: \(files.count)")
    }

    /// Thousands of long names, each bound, written and left: the resident graphs stay at the
    /// bound, and an evicted namespace comes back whole from its snapshot.
    @Test func thousandsOfLongNamespaceNamesKeepOnlyTheBoundNumberResident() throws {
        let root = EchoServer.temporaryDirectory()
        let (running, port) = try daemon(root: root)
        defer { running.shutdown() }
        let scopes = running.state.memoryScopes
        let prefix = String(repeating: "n", count: 200)
        let count = 2_000
        for index in 0..<count {
            let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
            _ = try call(client, "session.auth", #"{"token":"t","memory_namespace":"\#(prefix)\#(index)"}"#)
            #expect(try call(client, "memory.add_fact", #"{"subject":"index","body":"namespace \#(index)"}"#)["result"] == 1)
            client.close()
        }
        #expect(EchoServer.eventually { running.state.sessionCount == 0 })
        #expect(scopes.residentCount <= MemoryScopes.defaultMaxUnboundResident, "\(scopes.residentCount) graphs resident")
        #expect(scopes.unboundResidentCount == scopes.residentCount)

        // The first namespace was evicted long ago: binding it again reads its snapshot.
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port)
        defer { client.close() }
        _ = try call(client, "session.auth", #"{"token":"t","memory_namespace":"\#(prefix)0"}"#)
        #expect(try call(client, "memory.fact_count")["result"] == 1)
        #expect(try call(client, "memory.query", #"{"query":"namespace","k":1}"#)["result"]?[0]?["body"] == "namespace 0")
    }
}

/// Namespace file work runs on the blocking pool, one job at a time per namespace.
@Suite("memory scopes: blocking work")
struct MemoryScopesBlockingTests {
    @Test func aSnapshotWriteWaitsForThePoolNotTheCaller() async throws {
        let root = EchoServer.temporaryDirectory()
        let pool = BlockingPool(threads: 1, maxQueued: 16)
        let scopes = MemoryScopes(root: root, mode: .perConnection, pool: pool)
        let binding = try await scopes.bind(namespace: "ns")
        _ = try binding.engine.addFact(subject: "s", body: "b", kind: "pattern")

        // Occupy the pool's only thread: the snapshot cannot be written until it is free.
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await pool.run { gate.wait() } }
        #expect(await eventually { pool.busyCount == 1 })
        let seq = binding.log.recordedSeq
        let write = Task { try await scopes.commit(binding, through: seq) }
        try await Task.sleep(for: .milliseconds(200))
        let path = NamespaceFileName.logPath(root: root, namespace: "ns")
        #expect(!FileManager.default.fileExists(atPath: path), "the write ran outside the pool")
        gate.signal()
        try await blocker.value
        try await write.value
        #expect(FileManager.default.fileExists(atPath: path))
    }

    /// Many concurrent writes on one namespace: the snapshot on disk at the end holds all of
    /// them, because no earlier snapshot can land after a later one.
    @Test func concurrentWritesOnOneNamespaceLandInOrder() async throws {
        let root = EchoServer.temporaryDirectory()
        let scopes = MemoryScopes(root: root, mode: .perConnection, pool: BlockingPool(threads: 4, maxQueued: 1024))
        let binding = try await scopes.bind(namespace: "ordered")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try scopes.retain(binding)
                    defer { scopes.release(binding) }
                    _ = try binding.engine.addFact(subject: "s\(index)", body: "fact \(index)", kind: "pattern")
                    try await scopes.commit(binding, through: binding.log.recordedSeq)
                }
            }
            try await group.waitForAll()
        }
        let reread = try MemoryLog.open(path: NamespaceFileName.logPath(root: root, namespace: "ordered"))
        #expect(reread.engine.factCount == 200)
        #expect(reread.engine.facts.map(\.id) == binding.engine.facts.map(\.id), "the log replays in the order the graph saw")
    }

    @Test func anEvictedGraphIsReloadedAndAStaleBindingCannotWrite() async throws {
        let root = EchoServer.temporaryDirectory()
        let scopes = MemoryScopes(root: root, mode: .perConnection, maxUnboundResident: 1)
        let first = try await scopes.bind(namespace: "a")
        _ = try first.engine.addFact(subject: "s", body: "kept", kind: "pattern")
        try await scopes.commit(first, through: first.log.recordedSeq)
        scopes.release(first)
        scopes.release(try await scopes.bind(namespace: "b"))   // evicts "a"
        #expect(scopes.residentCount == 1)
        #expect(throws: MemoryScopes.Failure.self) { try scopes.retain(first) }
        let again = try await scopes.bind(namespace: "a")
        #expect(again.engine !== first.engine)
        #expect(again.engine.factCount == 1)
    }

    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
