// swift-tools-version: 6.1
// The CAR daemon in Swift. No package dependencies: the toolchain alone.
import PackageDescription

let package = Package(
    name: "car-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "car-server", targets: ["car-server"]),
        .executable(name: "rpcgen", targets: ["rpcgen"]),
        .plugin(name: "RPCGen", targets: ["RPCGen"]),
    ],
    targets: [
        // Spec → Swift generator (parse → validate → translate → render), and its command line.
        .target(name: "RPCGenCore"),
        .executableTarget(name: "rpcgen", dependencies: ["RPCGenCore"]),
        .plugin(name: "RPCGen", capability: .buildTool(), dependencies: ["rpcgen"]),

        // Wire-level building blocks with no knowledge of CAR: RFC 6455 codec, SHA-1, base64, UTF-8.
        .target(name: "CarWebSocket"),
        // JSON-RPC runtime the generated code is written against: JSON values, ids, errors, context.
        .target(name: "CarRPC"),
        // Output of RPCGen in server mode: types, handler protocol, dispatch table, metadata.
        .target(name: "CarGenerated", dependencies: ["CarRPC"], plugins: ["RPCGen"]),
        // Hand-written handlers and the domain state they use.
        .target(name: "CarHandlers", dependencies: ["CarGenerated", "CarRPC"]),
        // Transport (event loop, listeners, WebSocket connections) and server assembly.
        .target(name: "CarServer", dependencies: ["CarHandlers", "CarGenerated", "CarRPC", "CarWebSocket", "CCarSystem"]),
        // epoll, eventfd and accept4 declarations that Glibc's Swift module leaves out.
        .target(name: "CCarSystem"),
        .executableTarget(name: "car-server", dependencies: ["CarServer"]),

        // Test-only helpers: a small WebSocket client speaking over real sockets.
        .target(name: "CarTestSupport", dependencies: ["CarWebSocket"], path: "Tests/CarTestSupport"),

        .testTarget(name: "CarWebSocketTests", dependencies: ["CarWebSocket"]),
        .testTarget(name: "CarRPCTests", dependencies: ["CarRPC"]),
        .testTarget(name: "RPCGenTests", dependencies: ["RPCGenCore"]),
        .testTarget(name: "CarServerTests", dependencies: ["CarServer", "CarWebSocket", "CarTestSupport"]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["CarServer", "CarGenerated", "CarRPC", "CarWebSocket", "CarTestSupport"],
            plugins: ["RPCGen"]
        ),
    ]
)
