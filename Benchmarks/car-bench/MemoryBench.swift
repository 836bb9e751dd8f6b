// The memory benchmark: `car-bench memory PORT PID` (a release car-server with --no-auth).
import CarJSON
import CarMemory
import CarTestSupport
import Glibc

/// Facts that look like what agents store: a subject, a sentence, a vocabulary wide enough
/// that a query touches a neighbourhood rather than the whole graph.
/// Adds synthetic facts 0..<count over the wire in batches of 500 `memory.add_fact`, waiting
/// for each batch's reply; `id` numbers the requests.
func addSyntheticFacts(_ count: Int, through client: WebSocketTestClient, id: inout Int) throws {
    for first in stride(from: 0, to: count, by: 500) {
        var batch: [JSONValue] = []
        for n in first..<min(first + 500, count) {
            id += 1
            let fact = syntheticFact(n)
            batch.append(.object(["jsonrpc": "2.0", "id": .int(Int64(id)), "method": "memory.add_fact",
                                  "params": .object(["subject": .string(fact.subject), "body": .string(fact.body), "kind": "pattern"])]))
        }
        try client.sendText(JSONWriter.string(.array(batch)))
        guard let reply = try client.receiveJSONText(timeout: 60), reply.hasPrefix("[") else { throw BenchFailure(description: "batch reply") }
    }
}

func syntheticFact(_ n: Int) -> (subject: String, body: String) {
    let topics = ["deploy", "billing", "auth", "search", "cache", "queue", "schema", "ui", "mobile", "logging",
                  "metrics", "backup", "email", "pricing", "onboarding", "export", "import", "sync", "audit", "tests"]
    let verbs = ["uses", "requires", "avoids", "prefers", "depends on", "replaces", "documents", "monitors"]
    let things = ["postgres", "redis", "kafka", "react", "typescript", "swift", "vitest", "grpc", "s3", "nginx",
                  "oauth", "stripe", "graphql", "docker", "terraform", "sentry"]
    let topic = topics[n % topics.count], verb = verbs[(n / 7) % verbs.count], thing = things[(n / 3) % things.count]
    return ("\(topic)_\(n % 5000)", "the \(topic) service \(verb) \(thing) in region \(n % 13) for tenant \(n % 211)")
}

func rssKiB(pid: Int32) -> Int {
    guard let file = fopen("/proc/\(pid)/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, file) != nil {
        let text = String(cString: line)
        if text.hasPrefix("VmRSS:") { return Int(text.split(separator: " ").dropFirst().first ?? "0") ?? 0 }
    }
    return 0
}

func runMemoryBench(port: Int, pid: Int32) throws {
    let total = 100_000
    let queries = ["which database does billing use?", "how is the deploy service monitored?", "what does search depend on?",
                   "tenant 42 export requirements", "typescript tests with vitest", "redis cache in region 3"]

    // In-process: the engine alone.
    let engine = MemoryEngine()
    var started = now()
    for n in 0..<total {
        let fact = syntheticFact(n)
        _ = try engine.addFact(subject: fact.subject, body: fact.body, kind: n % 50 == 0 ? "constraint" : "pattern")
    }
    let addSeconds = Double(now() - started) / 1e9
    var queryTimes: [Double] = []
    for round in 0..<600 {
        let start = now()
        _ = engine.query(queries[round % queries.count], k: 5)
        if round >= 60 { queryTimes.append(micros(now() - start)) }
    }
    queryTimes.sort()
    var contextTimes: [Double] = []
    for round in 0..<120 {
        let start = now()
        _ = engine.buildContext(query: queries[round % queries.count], modelContextWindow: nil)
        if round >= 20 { contextTimes.append(micros(now() - start)) }
    }
    contextTimes.sort()
    print("memory in-process, \(total) facts: add_fact \(Int(Double(total) / addSeconds))/s; "
          + "query p50 \(fmt(percentile(queryTimes, 0.5) / 1000)) ms, p99 \(fmt(percentile(queryTimes, 0.99) / 1000)) ms; "
          + "build_context p50 \(fmt(percentile(contextTimes, 0.5) / 1000)) ms")

    // Over the wire: batches of add_fact, then query, build_context, persist, load, RSS.
    let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 60)
    let rssBefore = rssKiB(pid: pid)
    started = now()
    var id = 0
    try addSyntheticFacts(total, through: client, id: &id)
    let wireAddSeconds = Double(now() - started) / 1e9
    func call(_ method: String, _ params: JSONValue) throws -> (JSONValue, Double) {
        id += 1
        let start = now()
        try client.sendText(JSONWriter.string(.object(["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": params])))
        guard let text = try client.receiveJSONText(timeout: 60) else { throw BenchFailure(description: "\(method): no reply") }
        return (try JSONParser.parse(text), micros(now() - start))
    }
    var wireQuery: [Double] = []
    for round in 0..<300 {
        let (reply, time) = try call("memory.query", .object(["query": .string(queries[round % queries.count]), "k": 5]))
        if reply["result"]?.arrayValue == nil { throw BenchFailure(description: "query: \(JSONWriter.string(reply).prefix(200))") }
        if round >= 30 { wireQuery.append(time) }
    }
    wireQuery.sort()
    let (persisted, persistTime) = try call("memory.persist", .object(["path": "bench/100k.json"]))
    let (loaded, loadTime) = try call("memory.load", .object(["path": "bench/100k.json"]))
    let rssAfter = rssKiB(pid: pid)
    print("memory over the wire, \(total) facts: add_fact \(Int(Double(total) / wireAddSeconds))/s (batches of 500); "
          + "query p50 \(fmt(percentile(wireQuery, 0.5) / 1000)) ms, p99 \(fmt(percentile(wireQuery, 0.99) / 1000)) ms; "
          + "persist \(fmt(persistTime / 1000)) ms (\(persisted["result"].map(JSONWriter.string) ?? "?") facts); "
          + "load \(fmt(loadTime / 1000)) ms (\(loaded["result"].map(JSONWriter.string) ?? "?") facts); "
          + "daemon RSS \(rssBefore) -> \(rssAfter) KiB")
    client.close()
}
