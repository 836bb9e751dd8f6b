// Runtime benchmark for the CAR daemon: prints figures, asserts nothing.
//
//     car-bench PORT                   (a release car-server on 127.0.0.1:PORT with --no-auth)
//     car-bench memory PORT PID        the memory benchmark (MemoryBench.swift)
//     car-bench memory-log PORT HOME   bound writes through the memory log (MemoryLogBench.swift)
//     car-bench mcp MODE URL ...       the MCP streamable-HTTP load generator (MCPBench.swift)
//     car-bench a2ui PORT              a2ui.apply of a 200-component surface (A2UIBench.swift)
//
// Measures, over one real WebSocket client (this process answers every callback at once):
//   callback round trip   server sends tools.execute → we answer → server sends the next one,
//                         over a chain of actions where each waits for the previous;
//   100-action proposal   wall time from proposal.submit to its result, 100 independent
//                         tool_call actions;
//   verify, 30 actions    Verifier.verify in-process per call, and the verify method's round trip.
import CarIR
import CarJSON
import CarTestSupport
import CarVerifier
import Glibc

struct BenchFailure: Error, CustomStringConvertible { var description: String }

func now() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

func micros(_ nanos: UInt64) -> Double { Double(nanos) / 1000 }

func fmt(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

struct Bench {
    let client: WebSocketTestClient
    var nextID = 100

    init(port: Int) throws {
        client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 30)
        _ = try call("tools.register", .array([.object(["name": "t"])]))
    }

    mutating func call(_ method: String, _ params: JSONValue) throws -> JSONValue {
        nextID += 1
        let id = nextID
        try send(.object(["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": params]))
        while true {
            let message = try receive()
            if message["id"] == .int(Int64(id)), message["method"] == nil { return message }
        }
    }

    func send(_ value: JSONValue) throws {
        try client.sendText(JSONWriter.string(value))
    }

    func receive() throws -> JSONValue {
        guard let text = try client.receiveJSONText(timeout: 30) else { throw BenchFailure(description: "timeout") }
        return try JSONParser.parse(text)
    }

    /// Submits a proposal and answers every callback at once; returns the callback arrival
    /// times and the time the result arrived (submit at 0).
    mutating func run(_ actions: [JSONValue]) throws -> (arrivals: [UInt64], total: UInt64) {
        nextID += 1
        let id = nextID
        let started = now()
        try send(.object(["jsonrpc": "2.0", "id": .int(Int64(id)), "method": "proposal.submit",
                          "params": .object(["proposal": .object(["actions": .array(actions)])])]))
        var arrivals: [UInt64] = []
        arrivals.reserveCapacity(actions.count)
        while true {
            let message = try receive()
            if message["method"] == "tools.execute", let callbackID = message["id"] {
                arrivals.append(now() - started)
                try send(.object(["jsonrpc": "2.0", "id": callbackID, "result": .object(["ok": true])]))
            } else if message["id"] == .int(Int64(id)) {
                guard let results = message["result"]?["results"]?.arrayValue,
                      results.allSatisfy({ $0["status"] == "succeeded" }) else {
                    throw BenchFailure(description: "proposal failed: \(JSONWriter.string(message).prefix(300))")
                }
                return (arrivals, now() - started)
            }
        }
    }
}

func toolCall(_ id: String, after: String? = nil, n: Int) -> JSONValue {
    var action: [String: JSONValue] = ["id": .string(id), "type": "tool_call", "tool": "t", "parameters": .object(["n": .int(Int64(n))])]
    if let after { action["dependencies"] = .array([.string(after)]) }
    return .object(action)
}

if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "mcp" {
    exit(runMCPBench(Array(CommandLine.arguments.dropFirst(2))))
}
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "memory",
   let port = Int(CommandLine.arguments[2]), let pid = Int32(CommandLine.arguments[3]) {
    try runMemoryBench(port: port, pid: pid)
    exit(0)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "a2ui", let port = Int(CommandLine.arguments[2]) {
    try runA2UIBench(port: port)
    exit(0)
}
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "memory-log", let port = Int(CommandLine.arguments[2]) {
    try runMemoryLogBench(port: port, home: CommandLine.arguments[3])
    exit(0)
}
guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]) else {
    print("usage: car-bench PORT | car-bench memory PORT DAEMON-PID | car-bench memory-log PORT CAR_HOME | car-bench mcp MODE URL ... | car-bench a2ui PORT")
    exit(2)
}
var bench = try Bench(port: port)

// The same client's plain request round trip, for scale: what any answer costs this client
// and the transport, before the runtime does anything.
var pings: [Double] = []
for round in 0..<6000 {
    let started = now()
    _ = try bench.call("server.ping", .null)
    if round >= 1000 { pings.append(micros(now() - started)) }
}
pings.sort()
print("server.ping round trip with this client, \(pings.count) calls: p50 \(fmt(percentile(pings, 0.5))) µs, p99 \(fmt(percentile(pings, 0.99))) µs")

// Callback round trip: a chain, so exactly one callback is in flight at a time.
let chainLength = 2000
var gaps: [Double] = []
for round in 0..<4 {
    let chain = (0..<chainLength).map { toolCall("c\($0)", after: $0 == 0 ? nil : "c\($0 - 1)", n: $0) }
    let (arrivals, _) = try bench.run(chain)
    if round == 0 { continue }  // warm-up
    for index in 1..<arrivals.count { gaps.append(micros(arrivals[index] - arrivals[index - 1])) }
}
gaps.sort()
print("callback round trip (server→client→server), \(gaps.count) callbacks: p50 \(fmt(percentile(gaps, 0.5))) µs, p99 \(fmt(percentile(gaps, 0.99))) µs")

// 100 independent actions.
var walls: [Double] = []
let wide = (0..<100).map { toolCall("w\($0)", n: $0) }
for round in 0..<60 {
    let (_, total) = try bench.run(wide)
    if round >= 10 { walls.append(micros(total) / 1000) }
}
walls.sort()
print("proposal of 100 independent tool_calls, \(walls.count) runs: p50 \(fmt(percentile(walls, 0.5))) ms, p99 \(fmt(percentile(walls, 0.99))) ms")

// Verify on 30 actions: a realistic mix of writes, reads, preconditions and tool calls.
var verifyActions: [JSONValue] = []
for index in 0..<30 {
    var action: [String: JSONValue] = ["id": .string("v\(index)"), "type": "tool_call", "tool": "t",
                                       "parameters": .object(["n": .int(Int64(index))]),
                                       "expected_effects": .object(["k\(index)": .bool(true)])]
    if index > 0 { action["state_dependencies"] = .array([.string("k\(index - 1)")]) }
    if index % 5 == 0 { action["preconditions"] = .array([.object(["key": "ready", "operator": "eq", "value": true])]) }
    verifyActions.append(.object(action))
}
let proposalJSON: JSONValue = .object(["id": "bench", "actions": .array(verifyActions)])
let proposal = try ActionProposal(json: proposalJSON)
let tools = [ToolSchema(name: "t")]
var sink = 0
let iterations = 20_000
for _ in 0..<1000 { sink &+= Verifier.verify(proposal, initialState: ["ready": true], tools: tools).issues.count }
let verifyStart = now()
for _ in 0..<iterations { sink &+= Verifier.verify(proposal, initialState: ["ready": true], tools: tools).issues.count }
let perCall = micros(now() - verifyStart) / Double(iterations)
var wire: [Double] = []
for round in 0..<2100 {
    let started = now()
    let reply = try bench.call("verify", .object(["proposal": proposalJSON, "initial_state": .object(["ready": true])]))
    if round >= 100 { wire.append(micros(now() - started)) }
    if reply["result"]?["valid"] != .bool(true) { print("verify said: \(JSONWriter.string(reply).prefix(300))"); exit(1) }
}
wire.sort()
print("verify, 30 actions: \(fmt(perCall)) µs per call in-process (\(iterations) calls); over the wire p50 \(fmt(percentile(wire, 0.5))) µs, p99 \(fmt(percentile(wire, 0.99))) µs (sink \(sink % 7))")
