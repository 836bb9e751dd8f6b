import CarHTTP
import CarJSON

/// Finds A2UI envelopes in what an A2A peer returned: a task, a message, artifacts, data parts
/// (`{"kind":"data","data":[...]}` and v1.0's `{"data":{"data":...}}`), `{"a2ui": envelope}`
/// wrappers, or bare envelopes and lists of them. The walk is bounded in depth and in the
/// envelopes it collects, and never looks inside an envelope.
public struct A2UIIngestScan: Sendable {
    public private(set) var envelopes: [JSONValue] = []
    /// The A2A task the payload belongs to, when it says.
    public private(set) var taskID: String?
    public private(set) var contextID: String?
    /// True when more envelopes were found than `limit` allows.
    public private(set) var truncated = false

    public init(_ payload: JSONValue, limit: Int, maxDepth: Int = 32) {
        walk(payload, key: nil, depth: 0, limit: limit, maxDepth: maxDepth)
    }

    static func isEnvelope(_ members: [String: JSONValue]) -> Bool {
        members["version"]?.stringValue != nil && A2UIMessageParser.actions.contains { members[$0] != nil }
    }

    private mutating func walk(_ value: JSONValue, key: String?, depth: Int, limit: Int, maxDepth: Int) {
        guard depth <= maxDepth else { return }
        switch value {
        case .object(let members):
            if Self.isEnvelope(members) {
                guard envelopes.count < limit else { truncated = true; return }
                envelopes.append(value)
                return
            }
            if taskID == nil, let id = members["taskId"]?.stringValue { taskID = id }
            if taskID == nil, members["kind"]?.stringValue == "task" || key == "task", let id = members["id"]?.stringValue { taskID = id }
            if contextID == nil, let id = members["contextId"]?.stringValue { contextID = id }
            // Sorted, so envelopes are applied in one order whatever the dictionary's.
            for name in members.keys.sorted() {
                walk(members[name]!, key: name, depth: depth + 1, limit: limit, maxDepth: maxDepth)
            }
        case .array(let elements):
            for element in elements { walk(element, key: key, depth: depth + 1, limit: limit, maxDepth: maxDepth) }
        default:
            return
        }
    }
}

/// The endpoint trust gate: continuations (and outbound A2A calls) go to loopback peers unless
/// the caller says otherwise, so a surface cannot make the daemon call into the network.
public enum A2UIEndpointTrust {
    /// True for an http(s) URL whose host is loopback (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ endpoint: String) -> Bool {
        guard var host = host(of: endpoint) else { return false }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // The listeners' own rule, so what may be called and what may be bound agree.
        return ListenAddress(host: host, port: 0).isLoopback
    }

    /// `endpoint` as owners show it: scheme, host, port and path, without a query or fragment
    /// (which may carry a key), for every subscriber to see.
    public static func displayed(_ endpoint: String) -> String {
        String(endpoint.prefix { $0 != "?" && $0 != "#" })
    }

    /// The host of an http or https URL, lowercased; nil when it is not one.
    public static func host(of endpoint: String) -> String? {
        let lower = endpoint.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") { rest = lower.dropFirst(7) } else if lower.hasPrefix("https://") { rest = lower.dropFirst(8) } else { return nil }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return nil }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && rest.dropFirst().allSatisfy(\.isNumber)) else { return nil }
            return String(authority[...close])
        }
        let host = authority.prefix { $0 != ":" }
        return host.isEmpty ? nil : String(host)
    }
}
