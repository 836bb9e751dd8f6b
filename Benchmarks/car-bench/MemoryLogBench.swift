// The memory log benchmark: `car-bench memory-log PORT CAR_HOME` (a release car-server with
// --no-auth whose CAR_HOME is given, so the replay can be timed on a scratch log beside it).
import CarJSON
import CarMemory
import CarTestSupport
import Glibc

/// Bound writes at two graph sizes, each `memory.add_fact` one at a time on a connection
/// bound to a namespace, so every reply waits for its own append and fsync (no group commit
/// can hide the cost). The two graphs take turns, write by write, so whatever else the machine
/// is doing (fsync latency varies a lot on a shared disk) falls on both alike. Then the replay
/// of a log of 100,000 writes, in-process.
func runMemoryLogBench(port: Int, home: String) throws {
    final class Bound {
        let client: WebSocketTestClient
        var id = 0
        var times: [Double] = []
        init(port: Int, namespace: String) throws {
            client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 60)
            _ = try call("session.auth", .object(["memory_namespace": .string(namespace)]))
        }
        @discardableResult
        func call(_ method: String, _ params: JSONValue) throws -> Double {
            id += 1
            let start = now()
            try client.sendText(JSONWriter.string(.object(["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": params])))
            guard let text = try client.receiveJSONText(timeout: 60) else { throw BenchFailure(description: "\(method): no reply") }
            let elapsed = micros(now() - start)
            guard try JSONParser.parse(text)["result"] != nil else { throw BenchFailure(description: "\(method): \(text.prefix(200))") }
            return elapsed
        }
        /// Filled in batches of 500: their writes share appends, which keeps the fill quick.
        func fill(_ size: Int) throws {
            try addSyntheticFacts(size, through: client, id: &id)
        }
    }
    let sizes = [1_000, 100_000]
    let graphs = try sizes.map { size in
        let graph = try Bound(port: port, namespace: "bench-\(size)")
        try graph.fill(size)
        return graph
    }
    for round in 0..<2_100 {
        for (graph, size) in zip(graphs, sizes) {
            let fact = syntheticFact(size + round)
            let time = try graph.call("memory.add_fact", .object(["subject": .string(fact.subject), "body": .string(fact.body), "kind": "pattern"]))
            if round >= 100 { graph.times.append(time) }
        }
    }
    var lines: [String] = []
    for (graph, size) in zip(graphs, sizes) {
        graph.times.sort()
        lines.append("bound add_fact at \(size) facts (2,000 writes, each fsynced before its reply): "
                     + "p50 \(fmt(percentile(graph.times, 0.5) / 1000)) ms, p99 \(fmt(percentile(graph.times, 0.99) / 1000)) ms")
        graph.client.close()
    }

    // Replay: a log of exactly 100,000 writes (one put line each), as the daemon's replay reads it.
    let path = home + "/bench-replay.jsonl"
    let writer = try MemoryLog.open(path: path)
    for n in 0..<100_000 {
        let fact = syntheticFact(n)
        _ = try writer.engine.addFact(subject: fact.subject, body: fact.body, kind: n % 50 == 0 ? "constraint" : "pattern")
        if n % 1_000 == 999 { try writer.flush() }
    }
    var replays: [Double] = []
    for _ in 0..<3 {
        let start = now()
        let replayed = try MemoryLog.open(path: path)
        replays.append(micros(now() - start))
        guard replayed.engine.factCount == 100_000 else { throw BenchFailure(description: "replay lost facts") }
    }
    replays.sort()
    lines.append("replay of a 100,000-write log (\(writer.fileSize / 1_048_576) MiB): \(fmt(replays[1] / 1000)) ms (median of 3)")
    for line in lines { print("memory log: " + line) }
}
