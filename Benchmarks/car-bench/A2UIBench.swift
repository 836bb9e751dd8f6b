import CarA2UI
import CarJSON
import Glibc

// car-bench a2ui PORT: a2ui.apply of a 200-component surface over one WebSocket client (no
// subscribers), against the same message through the store in-process (what the check and the
// commit cost without the socket), and server.ping for the transport's floor.

func a2uiSurface(_ id: String, components count: Int, round: Int) -> JSONValue {
    var components: [JSONValue] = [["id": "root", "component": "Column",
                                    "children": .array((1..<count).map { .string("t\($0)") })]]
    for index in 1..<count {
        components.append(["id": .string("t\(index)"), "component": "Text", "text": .string("row \(index), update \(round)"),
                           "variant": index % 10 == 0 ? "h3" : "body"])
    }
    return ["version": "v0.9", "updateComponents": ["surfaceId": .string(id), "components": .array(components)]]
}

func a2uiCreate(_ id: String) -> JSONValue {
    ["version": "v0.9", "createSurface": ["surfaceId": .string(id), "catalogId": .string(A2UICatalog.basicID)]]
}

func summary(_ label: String, _ samples: [Double]) -> String {
    let sorted = samples.sorted()
    return "\(label): p50 \(fmt(percentile(sorted, 0.5))) us, p99 \(fmt(percentile(sorted, 0.99))) us (\(samples.count) calls)"
}

func runA2UIBench(port: Int) throws {
    var bench = try Bench(port: port)
    let rounds = 400
    var pings: [Double] = []
    for _ in 0..<2000 {
        let started = now()
        _ = try bench.call("server.ping", [:])
        pings.append(micros(now() - started))
    }
    let surface = "bench-\(getpid())"
    guard try bench.call("a2ui.apply", a2uiCreate(surface))["result"] != nil else { throw BenchFailure(description: "createSurface refused") }
    var applies: [Double] = []
    for round in 0..<rounds {
        let message = a2uiSurface(surface, components: 200, round: round)
        let started = now()
        let reply = try bench.call("a2ui.apply", message)
        applies.append(micros(now() - started))
        guard reply["result"]?["surface"]?["revision"]?.intValue == Int64(round + 2) else {
            throw BenchFailure(description: "apply refused: \(JSONWriter.string(reply).prefix(300))")
        }
    }
    // The same messages through the store in this process: parse, check, commit, render the result.
    let store = A2UISurfaceStore()
    _ = try store.apply(a2uiCreate("local"), owner: nil)
    var local: [Double] = []
    for round in 0..<rounds {
        let message = a2uiSurface("local", components: 200, round: round)
        let started = now()
        let result = try store.apply(message, owner: nil)
        _ = JSONWriter.bytes(result.json)
        local.append(micros(now() - started))
    }
    let bytes = JSONWriter.encodedCount(a2uiSurface(surface, components: 200, round: 0))
    print(summary("server.ping round trip", pings))
    print(summary("a2ui.apply updateComponents, 200 components (\(bytes) bytes), round trip", applies))
    print(summary("the same through A2UISurfaceStore in-process, result encoded", local))
}
