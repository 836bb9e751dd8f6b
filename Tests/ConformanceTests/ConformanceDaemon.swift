import CarHandlers
import CarServer
import Foundation
import Glibc

/// One in-process daemon for the whole suite, started on an ephemeral port with the
/// conformance tokens and no Unix socket.
actor ConformanceDaemon {
    private static let instance = ConformanceDaemon()
    private var running: (daemon: CarDaemon, port: Int)?

    static func shared() async throws -> (daemon: CarDaemon, port: Int) {
        try await instance.start()
    }

    private func start() throws -> (daemon: CarDaemon, port: Int) {
        if let running { return running }
        let journal = "/tmp/car-conformance-\(getpid())/journals"
        var state = ServerStateConfig(authToken: ConformanceTokens.auth, hostToken: ConformanceTokens.host, journalDirectory: journal,
                                      memoryRoot: "/tmp/car-conformance-\(getpid())/memory")
        // The standalone memory mode, not the daemon's default shared graph: every example in
        // spec/methods.json describes one method on a graph only its own case has written
        // (memory.fact_count "fresh-session" answers 0, memory.add_fact "first-fact" 1, ...),
        // and the cases run in parallel against this one daemon, so with one shared graph they
        // would see each other's facts and skills. The shared default and the scope table are
        // tested over real sockets in CarServerTests (MemoryScopeTableTests).
        state.memoryMode = .perConnection
        // Nobody approves in the suite: gated calls must come back -32003 quickly.
        state.approvalGate.timeout = .milliseconds(200)
        state.a2a.peersPath = "/tmp/car-conformance-\(getpid())/a2a-peers.json"
        // One supervised agent for the agents.* examples: /bin/true, never restarted.
        let root = "/tmp/car-conformance-\(getpid())"
        let manifest = root + "/agents.json"
        mkdir(root, 0o700)
        // And one the suite attaches to itself, for the agents.chat examples.
        let entry = #"{"agents":[{"id":"conformance-agent","name":"Conformance","command":"/bin/true","restart":"never"},"#
            + #"{"id":"\#(ConformanceChatAgent.id)","name":"Chat","command":"/bin/true","restart":"never","token":"\#(ConformanceChatAgent.token)"}]}"#
        FileManager.default.createFile(atPath: manifest, contents: Data(entry.utf8), attributes: [.posixPermissions: 0o600])
        let daemon = CarDaemon(configuration: DaemonConfiguration(
            transport: TransportConfig(bindHost: "127.0.0.1", port: 0, unixSocketPath: nil),
            state: state,
            logger: Logger(minimum: .error),
            agents: AgentsConfiguration(manifestPath: manifest, logsDirectory: root + "/logs", runDirectory: root + "/run/agents",
                                        stateRoot: root, environment: [:])))
        let addresses = try daemon.start()
        try ConformanceChatAgent.start(port: addresses.tcpPort)
        running = (daemon, addresses.tcpPort)
        return (daemon, addresses.tcpPort)
    }
}
