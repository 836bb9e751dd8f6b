import CarEngine
import CarHTTP

/// The `car-server` command line, with the environment variables the CAR daemon honours.
public struct DaemonOptions: Sendable, Equatable {
    public enum UnixSocket: Sendable, Equatable {
        /// The state root's default path.
        case standard
        case path(String)
        case disabled
    }

    /// Where an HTTP endpoint listens (`--mcp-bind`, `--dashboard-bind`: `HOST:PORT|disabled`).
    public enum HTTPBind: Sendable, Equatable {
        /// The endpoint's default (MCP 127.0.0.1:9102, the dashboard 127.0.0.1:<port+1>);
        /// taken already, it only warns.
        case standard
        case address(host: String, port: Int)
        case disabled
    }

    public var port = 9100
    public var bindHost = "127.0.0.1"
    public var unixSocket = UnixSocket.standard
    public var authDisabled = false
    /// `--standalone-memory` / `CAR_STANDALONE_MEMORY=1`: each unbound connection gets a memory
    /// graph of its own (the seed's standalone mode) instead of the daemon's single shared graph,
    /// the default. `--shared-memory` asks for the default explicitly (it overrides the variable).
    public var standaloneMemory = false
    /// `--no-approvals` / `CAR_NO_APPROVALS=1`: high-risk methods run without asking a person.
    public var approvalsDisabled = false
    /// `CAR_APPROVAL_TIMEOUT`: seconds a gated call waits for a person (default 60).
    public var approvalTimeoutSeconds: Double = 60
    /// `CAR_HANDLER_TIMEOUT`: seconds any handler may run (default 30 minutes).
    public var handlerTimeoutSeconds: Double = 1800
    /// `CAR_INFERENCE_MAX_CONCURRENT`: inference admission permits, as given.
    public var inferencePermits: String?
    public var authToken: String?
    public var journalDirectory: String?
    public var maxMessageBytes = 16 << 20
    public var logLevel = Logger.Level.info
    /// `CAR_TOOL_TIMEOUT`: seconds a tool callback may take when its action declares no budget.
    public var toolTimeoutSeconds: Double = 300
    /// `CAR_JOURNAL_MAX_FILES` / `CAR_JOURNAL_MAX_BYTES`: the cap on the journals folder.
    public var journalLimits = JournalLimits()
    /// `--auth-timeout` / `CAR_AUTH_TIMEOUT`: seconds a connection has to authenticate.
    public var authTimeoutSeconds: Double = 10
    /// `--allow-origin ORIGIN` (repeatable): browser origins admitted besides loopback ones.
    public var allowedOrigins: [String] = []
    /// `--agents-manifest PATH` / `CAR_AGENTS_MANIFEST`: the supervised agents' manifest
    /// (default `$CAR_HOME/agents.json`).
    public var agentsManifest: String?
    /// `CAR_CHAT_ACK_TIMEOUT`: seconds an agent has to accept a chat turn or answer an
    /// approval (default 10).
    public var chatAckTimeoutSeconds: Double = 10
    /// `CAR_CHAT_SILENCE_TIMEOUT`: seconds a chat turn may go without an agent event before
    /// it is ended with an error to its host (default 600).
    public var chatSilenceTimeoutSeconds: Double = 600
    public var mcpBind = HTTPBind.standard
    /// `--dashboard-bind HOST:PORT|disabled` / `CAR_DASHBOARD_BIND`: the browser dashboard,
    /// loopback only (default 127.0.0.1:<port+1>).
    public var dashboardBind = HTTPBind.standard
    /// `--a2a-bind HOST:PORT|disabled` / `CAR_A2A_BIND`: the daemon's A2A HTTP + SSE listener
    /// (default none; `a2a.start` can start one at run time).
    public var a2aBind = HTTPBind.disabled
    /// `--a2a-store PATH` / `CAR_A2A_STORE`: the A2A task log (default in memory).
    public var a2aStore: String?
    /// `CAR_HTTP_IDLE_TIMEOUT`: seconds an HTTP connection may sit silent (default 60).
    public var httpIdleTimeoutSeconds: Double = 60
    /// `CAR_HTTP_REQUEST_TIMEOUT`: seconds one HTTP request may take to arrive (default 30).
    public var httpRequestTimeoutSeconds: Double = 30
    /// `CAR_MCP_SESSION_IDLE`: seconds an MCP session may go unused (default 1800).
    public var mcpSessionIdleSeconds: Double = 1800
    /// `CAR_A2UI_TTL`: seconds an A2UI surface lives after its last accepted message (default 3600).
    public var a2uiTTLSeconds: Double = 3600

    public enum Command: Sendable, Equatable {
        case run(DaemonOptions)
        case printSpec
        case help
        case version
    }

    public struct UsageError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static let usage = """
        usage: car-server [--port N] [--bind ADDR] [--uds PATH|disabled] [--no-auth] [--auth-token T]
                          [--standalone-memory] [--no-approvals] [--journal-dir DIR] [--max-message-bytes N]
                          [--log-level trace|debug|info|warn|error] [--auth-timeout SECS]
                          [--allow-origin ORIGIN]... [--agents-manifest PATH] [--mcp-bind HOST:PORT|disabled]
                          [--dashboard-bind HOST:PORT|disabled] [--a2a-bind HOST:PORT|disabled] [--a2a-store PATH]
               car-server spec        print the JSON-RPC contract as an OpenRPC document
               car-server --help | --version

        Environment: CAR_HOME (absolute state root, default ~/.car), CAR_AUTH_TOKEN, CAR_NO_AUTH=1,
        CAR_SERVER_SOCKET (Unix socket path), CAR_LOG_LEVEL, CAR_TOOL_TIMEOUT (seconds a tool callback
        may take when its action declares no timeout_ms; default 300), XDG_RUNTIME_DIR.
        Connections: CAR_AUTH_TIMEOUT / --auth-timeout (seconds to authenticate, default 10; before
        that, messages are limited to 64 KiB and anything but session.auth closes the connection);
        WebSocket upgrades carrying a non-loopback Origin get 403 unless --allow-origin lists it.
        Journals: CAR_JOURNAL_MAX_FILES (default 1000) and CAR_JOURNAL_MAX_BYTES (default 268435456) cap
        the journals folder; closed journals beyond them are removed, oldest first.
        Memory: a session bound by session.auth {memory_namespace} uses that namespace's graph, logged
        in $CAR_HOME/memory/memory-namespaces/; one bound by {agent_id} its agent's graph; every unbound
        session (WebSocket or MCP) the daemon's single shared graph, in memory only, which memory.load
        resets and memory.persist writes whole. --standalone-memory or CAR_STANDALONE_MEMORY=1 gives each
        unbound connection a graph of its own instead; --shared-memory, the default, is still accepted.
        persist/load are confined to $CAR_HOME/memory (~/.car/memory).
        Approvals: high-risk methods wait (CAR_APPROVAL_TIMEOUT, 60 s) for host.resolve_approval; --no-approvals
        or CAR_NO_APPROVALS=1 turns that off. CAR_HANDLER_TIMEOUT (seconds, default 1800) bounds every
        handler (-32004); CAR_INFERENCE_MAX_CONCURRENT overrides the inference admission permits.
        Agents: the supervisor keeps the agents of $CAR_HOME/agents.json (--agents-manifest or
        CAR_AGENTS_MANIFEST) running, logging to $CAR_HOME/logs/<id>.{stdout,stderr}.log; a second
        daemon on the same manifest only observes it.
        Chat: agents.chat waits CAR_CHAT_ACK_TIMEOUT (10 s) for an agent to accept a turn and ends a
        turn silent for CAR_CHAT_SILENCE_TIMEOUT (600 s); standing goals live in $CAR_HOME/chat-goals.json.
        MCP: streamable HTTP at http://127.0.0.1:9102/mcp (--mcp-bind or CAR_MCP_BIND; `disabled` skips it;
        the default address, when taken, only warns), GET /mcp/health; with auth on, requests carry
        Authorization: Bearer <auth token>. Sessions end after CAR_MCP_SESSION_IDLE (1800 s) unused; HTTP
        connections close after CAR_HTTP_IDLE_TIMEOUT (60 s) silent or CAR_HTTP_REQUEST_TIMEOUT (30 s) for one request.
        Dashboard: http://127.0.0.1:<port+1>/ (--dashboard-bind or CAR_DASHBOARD_BIND, loopback only; `disabled`
        skips it; the default address, when taken, only warns): agents, approvals, host events and A2UI
        surfaces, live; GET /auth-token gives its page the daemon token (never the host token).
        A2UI surfaces live CAR_A2UI_TTL seconds (3600) after their last update.
        A2A: the agent card at /.well-known/agent-card.json and A2A JSON-RPC (1.0 and 0.3, SSE for streaming)
        on --a2a-bind or CAR_A2A_BIND (default none; a2a.start starts one at run time); with auth on, requests
        carry Authorization: Bearer <auth token>. Tasks are kept in memory, or in the log --a2a-store PATH
        (CAR_A2A_STORE) across restarts; peers in $CAR_HOME/a2a-peers.json.
        """

    /// `HOST:PORT` (`[::1]:9102` for IPv6) or `disabled`.
    static func httpBind(_ text: String, source: String) throws(UsageError) -> HTTPBind {
        if text == "disabled" { return .disabled }
        guard let address = ListenAddress.parse(text) else {
            throw UsageError(description: "\(source): '\(text)' is not HOST:PORT or 'disabled'")
        }
        return .address(host: address.host, port: address.port)
    }

    /// The dashboard hands out the daemon token to its page, so it listens on loopback only.
    static func dashboardBind(_ text: String, source: String) throws(UsageError) -> HTTPBind {
        guard text != "disabled", let address = ListenAddress.parse(text) else { return try httpBind(text, source: source) }
        guard address.isLoopback else {
            throw UsageError(description: "\(source): the dashboard listens on loopback only (127.0.0.1, ::1 or localhost), not \(address.host)")
        }
        let literal = address.literal
        return .address(host: literal.host, port: literal.port)
    }

    /// A positive, finite number of seconds from `name`; nil when unset or blank.
    private static func positiveSeconds(_ name: String, in environment: [String: String]) throws(UsageError) -> Double? {
        guard let text = environment[name]?.trimmingWhitespace(), !text.isEmpty else { return nil }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw UsageError(description: "\(name): '\(text)' is not a positive number of seconds")
        }
        return seconds
    }

    public static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError) -> Command {
        var options = DaemonOptions()
        if let token = environment["CAR_AUTH_TOKEN"]?.trimmingWhitespace(), !token.isEmpty { options.authToken = token }
        if environment["CAR_NO_AUTH"] == "1" || environment["CAR_NO_AUTH"]?.lowercased() == "true" { options.authDisabled = true }
        if let socket = environment["CAR_SERVER_SOCKET"], !socket.isEmpty {
            options.unixSocket = socket == "disabled" ? .disabled : .path(socket)
        }
        if let level = environment["CAR_LOG_LEVEL"].flatMap(Logger.Level.init(name:)) { options.logLevel = level }
        if environment["CAR_NO_APPROVALS"] == "1" || environment["CAR_NO_APPROVALS"]?.lowercased() == "true" {
            options.approvalsDisabled = true
        }
        if environment["CAR_STANDALONE_MEMORY"] == "1" || environment["CAR_STANDALONE_MEMORY"]?.lowercased() == "true" {
            options.standaloneMemory = true
        }
        if let seconds = try positiveSeconds("CAR_APPROVAL_TIMEOUT", in: environment) { options.approvalTimeoutSeconds = seconds }
        if let seconds = try positiveSeconds("CAR_HANDLER_TIMEOUT", in: environment) { options.handlerTimeoutSeconds = seconds }
        if let text = environment["CAR_INFERENCE_MAX_CONCURRENT"]?.trimmingWhitespace(), !text.isEmpty {
            guard let permits = Int(text), permits > 0 else {
                throw UsageError(description: "CAR_INFERENCE_MAX_CONCURRENT: '\(text)' is not a positive integer")
            }
            options.inferencePermits = String(permits)
        }
        if let seconds = try positiveSeconds("CAR_AUTH_TIMEOUT", in: environment) { options.authTimeoutSeconds = seconds }
        if let seconds = try positiveSeconds("CAR_TOOL_TIMEOUT", in: environment) { options.toolTimeoutSeconds = seconds }
        if let path = environment["CAR_AGENTS_MANIFEST"], !path.isEmpty { options.agentsManifest = path }
        if let seconds = try positiveSeconds("CAR_CHAT_ACK_TIMEOUT", in: environment) { options.chatAckTimeoutSeconds = seconds }
        if let seconds = try positiveSeconds("CAR_CHAT_SILENCE_TIMEOUT", in: environment) { options.chatSilenceTimeoutSeconds = seconds }
        if let text = environment["CAR_MCP_BIND"]?.trimmingWhitespace(), !text.isEmpty {
            options.mcpBind = try httpBind(text, source: "CAR_MCP_BIND")
        }
        if let text = environment["CAR_A2A_BIND"]?.trimmingWhitespace(), !text.isEmpty {
            options.a2aBind = try httpBind(text, source: "CAR_A2A_BIND")
        }
        if let path = environment["CAR_A2A_STORE"], !path.isEmpty { options.a2aStore = path }
        if let text = environment["CAR_DASHBOARD_BIND"]?.trimmingWhitespace(), !text.isEmpty {
            options.dashboardBind = try dashboardBind(text, source: "CAR_DASHBOARD_BIND")
        }
        if let seconds = try positiveSeconds("CAR_HTTP_IDLE_TIMEOUT", in: environment) { options.httpIdleTimeoutSeconds = seconds }
        if let seconds = try positiveSeconds("CAR_HTTP_REQUEST_TIMEOUT", in: environment) { options.httpRequestTimeoutSeconds = seconds }
        if let seconds = try positiveSeconds("CAR_MCP_SESSION_IDLE", in: environment) { options.mcpSessionIdleSeconds = seconds }
        if let seconds = try positiveSeconds("CAR_A2UI_TTL", in: environment) { options.a2uiTTLSeconds = seconds }
        do {
            options.journalLimits = try JournalLimits(environment: environment)
        } catch {
            throw UsageError(description: error.description)
        }

        var remaining = arguments[...]
        func value(for flag: String) throws(UsageError) -> String {
            guard let next = remaining.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            return next
        }
        while let argument = remaining.popFirst() {
            // Accept --flag=value as well as --flag value.
            var flag = argument
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                remaining.insert(contentsOf: [String(argument[argument.index(after: equals)...])], at: remaining.startIndex)
            }
            switch flag {
            case "spec" where arguments.first == argument: return .printSpec
            case "--help", "-h", "help": return .help
            case "--version", "-V": return .version
            case "--port":
                let text = try value(for: flag)
                guard let port = Int(text), (0...65535).contains(port) else { throw UsageError(description: "--port: '\(text)' is not a port number") }
                options.port = port
            case "--bind":
                options.bindHost = try value(for: flag)
            case "--uds":
                let text = try value(for: flag)
                options.unixSocket = text == "disabled" ? .disabled : .path(text)
            case "--no-auth":
                options.authDisabled = true
            case "--auth-timeout":
                let text = try value(for: flag)
                guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
                    throw UsageError(description: "--auth-timeout: '\(text)' is not a positive number of seconds")
                }
                options.authTimeoutSeconds = seconds
            case "--allow-origin":
                let origin = try value(for: flag)
                guard OriginPolicy.normalized(origin) != nil else {
                    throw UsageError(description: "--allow-origin: '\(origin)' is not an origin (scheme://host[:port])")
                }
                options.allowedOrigins.append(origin)
            case "--standalone-memory":
                options.standaloneMemory = true
            case "--shared-memory":
                // The default since the shared graph became it; kept so older scripts still start.
                options.standaloneMemory = false
            case "--no-approvals":
                options.approvalsDisabled = true
            case "--auth-token":
                let token = try value(for: flag).trimmingWhitespace()
                guard !token.isEmpty else { throw UsageError(description: "--auth-token: the token must not be empty") }
                options.authToken = token
            case "--journal-dir":
                options.journalDirectory = try value(for: flag)
            case "--agents-manifest":
                options.agentsManifest = try value(for: flag)
            case "--mcp-bind":
                options.mcpBind = try httpBind(try value(for: flag), source: flag)
            case "--dashboard-bind":
                options.dashboardBind = try dashboardBind(try value(for: flag), source: flag)
            case "--a2a-bind":
                options.a2aBind = try httpBind(try value(for: flag), source: flag)
            case "--a2a-store":
                options.a2aStore = try value(for: flag)
            case "--max-message-bytes":
                let text = try value(for: flag)
                guard let bytes = Int(text), bytes >= 1024, bytes <= 1 << 30 else {
                    throw UsageError(description: "--max-message-bytes: '\(text)' must be an integer between 1024 and 1073741824")
                }
                options.maxMessageBytes = bytes
            case "--log-level":
                let text = try value(for: flag)
                guard let level = Logger.Level(name: text) else { throw UsageError(description: "--log-level: unknown level '\(text)'") }
                options.logLevel = level
            default:
                throw UsageError(description: "unknown argument '\(argument)'")
            }
        }
        options.a2aBind = try a2aBind(options.a2aBind, authDisabled: options.authDisabled)
        return .run(options)
    }

    /// The A2A listener binds an IP literal, and serves beyond loopback only with auth on:
    /// past this machine a bearer is all that keeps strangers out (a2a.start's rule too).
    static func a2aBind(_ bind: HTTPBind, authDisabled: Bool) throws(UsageError) -> HTTPBind {
        guard case .address(let host, let port) = bind else { return bind }
        let address = ListenAddress(host: host, port: port)
        if !address.isLoopback && authDisabled {
            throw UsageError(description: "--a2a-bind / CAR_A2A_BIND: \(host) is not a loopback address, and with --no-auth nothing would keep other machines out")
        }
        let literal = address.literal
        return .address(host: literal.host, port: literal.port)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
