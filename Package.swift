// swift-tools-version: 6.1
// The CAR daemon in Swift. No package dependencies: the toolchain alone.
import PackageDescription

let package = Package(
    name: "car-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "car-server", targets: ["car-server"]),
        .executable(name: "rpcgen", targets: ["rpcgen"]),
        .executable(name: "car-bench", targets: ["car-bench"]),
        .plugin(name: "RPCGen", targets: ["RPCGen"]),
        .plugin(name: "EmbedAssets", targets: ["EmbedAssets"]),
    ],
    targets: [
        // Spec → Swift generator (parse → validate → translate → render), and its command line.
        .target(name: "RPCGenCore"),
        .executableTarget(name: "rpcgen", dependencies: ["RPCGenCore"]),
        .plugin(name: "RPCGen", capability: .buildTool(), dependencies: ["rpcgen"]),
        // Text assets (the dashboard's page) → string constants compiled into a target.
        .executableTarget(name: "embed-assets"),
        .plugin(name: "EmbedAssets", capability: .buildTool(), dependencies: ["embed-assets"]),

        // Wire-level building blocks with no knowledge of CAR: RFC 6455 codec, SHA-1, base64, UTF-8.
        .target(name: "CarWebSocket"),
        // HTTP/1.1 request decoder, response writer and SSE encoder, with bounds; no I/O.
        .target(name: "CarHTTP"),
        // Small containers the domain targets share (the bounded ring every in-memory log uses).
        .target(name: "CarCollections"),
        // Atomic file writes and the few other file operations the daemon and domain code share.
        .target(name: "CarFiles"),
        // Blocking work off the event loop: a bounded thread pool, and the process runner.
        .target(name: "CarIO", dependencies: ["CCarSystem"]),
        // JSON values, parser, writer and Codable bridges: no JSON-RPC, usable by domain code.
        .target(name: "CarJSON"),
        // JSON-RPC runtime the generated code is written against: ids, errors, context, dispatcher.
        .target(name: "CarRPC", dependencies: ["CarJSON"]),
        // Domain code: JSON values in, JSON values out, never JSON-RPC.
        // The agent IR: proposals, actions, preconditions, tool schemas.
        .target(name: "CarIR", dependencies: ["CarJSON"]),
        // Static verification of a proposal (the reference's car-verify).
        .target(name: "CarVerifier", dependencies: ["CarIR", "CarJSON"]),
        // The runtime: tool registry, policies, state, proposal execution, event log.
        .target(name: "CarEngine", dependencies: ["CarIO", "CarIR", "CarJSON", "CarCollections"]),
        // The memory engine: facts (and later the graph, skills and persistence).
        .target(name: "CarMemory", dependencies: ["CarIO", "CarJSON", "CarFiles", "CarCollections"]),
        .target(name: "CarHost", dependencies: ["CarIO", "CarJSON", "CarCollections"]),
        // The approval-transport configuration (messaging.json), pairing and channel liveness.
        .target(name: "CarMessaging", dependencies: ["CarIO", "CarJSON", "CarFiles", "CarWebSocket"]),
        // The agent supervisor: manifest, exclusive lock, children and their status machine, logs.
        .target(name: "CarSupervisor", dependencies: ["CarIO", "CarJSON", "CarFiles", "CCarSystem"]),
        // Chat sessions and their routing state (agents.chat), request validation, standing goals.
        .target(name: "CarChat", dependencies: ["CarJSON", "CarFiles"]),
        // A2UI surfaces: catalogs, message checks, the surface store, the UI-improvement agent.
        .target(name: "CarA2UI", dependencies: ["CarJSON", "CarHTTP"]),
        // Agent2Agent: the dispatcher (1.0 and 0.3 shapes), task stores, the agent card, the
        // outbound client and the peer registry; speaks A2A, knows nothing of the daemon's RPC.
        .target(name: "CarA2A", dependencies: ["CarJSON", "CarIO", "CarFiles", "CarCollections", "CarA2UI"]),
        // The browser dashboard's page, script and styles, embedded in the binary.
        .target(name: "CarDashboard", dependencies: ["CarHTTP"], exclude: ["Resources"], plugins: ["EmbedAssets"]),
        // Output of RPCGen in server mode: types, handler protocol, dispatch table, metadata.
        .target(name: "CarGenerated", dependencies: ["CarRPC"], plugins: ["RPCGen"]),
        // Hand-written handlers and the domain state they use.
        .target(name: "CarHandlers", dependencies: ["CarIO", "CarHTTP", "CarGenerated", "CarRPC", "CarIR", "CarVerifier", "CarEngine", "CarMemory", "CarFiles", "CarHost", "CarMessaging", "CarSupervisor", "CarChat", "CarA2UI", "CarA2A"]),
        // The MCP endpoint's protocol: sessions, version rules, tools from the spec; no sockets.
        .target(name: "CarMCP", dependencies: ["CarHTTP", "CarIO", "CarJSON", "CarRPC"]),
        // Transport (event loop, listeners, WebSocket connections) and server assembly.
        .target(name: "CarServer", dependencies: ["CarIO", "CarHTTP", "CarMCP", "CarDashboard", "CarHandlers", "CarGenerated", "CarRPC", "CarWebSocket", "CCarSystem", "CarFiles", "CarMemory", "CarHost", "CarMessaging", "CarSupervisor", "CarChat", "CarA2A"]),
        // epoll, eventfd, accept4, pidfd_open and spawn-chdir declarations that Glibc's Swift module leaves out.
        .target(name: "CCarSystem"),
        .executableTarget(name: "car-server", dependencies: ["CarServer"]),
        // Runtime benchmark (callback round trip, proposal wall time, verify): prints figures.
        .executableTarget(name: "car-bench", dependencies: ["CarTestSupport", "CarVerifier", "CarIR", "CarJSON", "CarMemory", "CarA2UI"],
                          path: "Benchmarks/car-bench"),

        // Test-only helpers: a small WebSocket client speaking over real sockets.
        .target(name: "CarTestSupport", dependencies: ["CarWebSocket"], path: "Tests/CarTestSupport"),

        .testTarget(name: "CarWebSocketTests", dependencies: ["CarWebSocket"]),
        .testTarget(name: "CarHTTPTests", dependencies: ["CarHTTP"]),
        .testTarget(name: "CarMCPTests", dependencies: ["CarMCP", "CarHTTP", "CarIO", "CarJSON", "CarRPC"]),
        .testTarget(name: "CarJSONTests", dependencies: ["CarJSON", "CarTestSupport"]),
        .testTarget(name: "CarFilesTests", dependencies: ["CarFiles"]),
        .testTarget(name: "CarIOTests", dependencies: ["CarIO"]),
        .testTarget(name: "CarRPCTests", dependencies: ["CarRPC", "CarJSON"]),
        .testTarget(name: "CarIRTests", dependencies: ["CarIR", "CarJSON"]),
        .testTarget(name: "CarVerifierTests", dependencies: ["CarVerifier", "CarIR", "CarJSON"], exclude: ["Corpus"]),
        .testTarget(name: "CarEngineTests", dependencies: ["CarEngine", "CarIR", "CarJSON", "CarTestSupport"]),
        .testTarget(name: "CarMemoryTests", dependencies: ["CarMemory", "CarJSON"]),
        .testTarget(name: "CarHostTests", dependencies: ["CarHost", "CarJSON"]),
        .testTarget(name: "CarMessagingTests", dependencies: ["CarMessaging", "CarJSON", "CarFiles", "CarWebSocket"]),
        .testTarget(name: "CarSupervisorTests", dependencies: ["CarSupervisor", "CarServer", "CarIO", "CarJSON", "CarFiles"]),
        .testTarget(name: "CarA2UITests", dependencies: ["CarA2UI", "CarJSON"]),
        .testTarget(name: "CarA2ATests", dependencies: ["CarA2A", "CarJSON", "CarIO"]),
        .testTarget(name: "CarChatTests", dependencies: ["CarChat", "CarJSON", "CarFiles"]),
        .testTarget(name: "RPCGenTests", dependencies: ["RPCGenCore"]),
        .testTarget(name: "CarServerTests", dependencies: ["CarIO", "CarServer", "CarHandlers", "CarHTTP", "CarMCP", "CarWebSocket", "CarTestSupport", "CarFiles"]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["CarServer", "CarGenerated", "CarRPC", "CarWebSocket", "CarTestSupport"],
            plugins: ["RPCGen"]
        ),
    ]
)
