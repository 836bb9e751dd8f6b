import CarJSON

/// Byte caps on everything a client keeps in host state. Host state is shared by every
/// connection and lives until the row is removed (or, for events, pushed out of the ring), so
/// each string and JSON value a client hands in is bounded on the way in, and so is the sum a
/// single connection holds: without them 300 `host.notify` calls of 1 MiB kept 306 MiB.
///
/// Caps are on UTF-8 bytes (strings) and on the compact JSON encoding (payloads), the units
/// memory is spent in; the spec's descriptions repeat them. A value over its cap is refused
/// (`HostError.invalid` naming the field), never cut: a cut payload would be a different
/// payload than the one its sender believes it stored.
public enum HostLimits {
    /// Agent, device and approval ids, and `agent_id` references.
    public static let idBytes = 256
    /// Agent and device names.
    public static let nameBytes = 256
    /// Short vocabulary words: agent kind, device platform and status, event kind, one capability.
    public static let wordBytes = 128
    /// At most this many capabilities per agent or device.
    public static let maxCapabilities = 64
    /// Messages, current tasks, approval titles and notes.
    public static let textBytes = 4096
    /// An approval's description and an agent's project (a path or a name).
    public static let longTextBytes = 16 << 10
    /// Each JSON value kept: notification and status payloads, agent display and metadata,
    /// device metadata, approval context.
    public static let jsonBytes = 16 << 10
    /// The bytes of host state one connection may hold at once: its agents, devices and
    /// pending approvals. 64 agents at every cap fit; a single client cannot take the
    /// daemon's memory.
    public static let clientBytes = 2 << 20
    /// Pending approvals one client may have raised at once (through `host.request_approval`
    /// or a gated call), so one client cannot fill the approval table for everyone.
    public static let pendingApprovalsPerClient = 16

    /// Refuses a string over `limit` UTF-8 bytes, naming the field.
    static func check(_ value: String?, _ field: String, _ limit: Int) throws(HostError) {
        guard let value else { return }
        let size = value.utf8.count
        guard size <= limit else { throw tooLarge(field, size, limit) }
    }

    /// Refuses a capability list longer than `maxCapabilities` or with an entry over `wordBytes`.
    static func check(capabilities: [String]?) throws(HostError) {
        guard let capabilities else { return }
        guard capabilities.count <= maxCapabilities else {
            throw HostError(.invalid, "capabilities has \(capabilities.count) entries; the limit is \(maxCapabilities)")
        }
        for (index, capability) in capabilities.enumerated() {
            try check(capability, "capabilities[\(index)]", wordBytes)
        }
    }

    /// Refuses a JSON value whose compact encoding is over `jsonBytes`, naming the field.
    /// Returns the encoded size (0 for nil) for the caller's tally.
    @discardableResult
    static func check(json value: JSONValue?, _ field: String) throws(HostError) -> Int {
        guard let value else { return 0 }
        let size = JSONWriter.encodedCount(value)
        guard size <= jsonBytes else { throw tooLarge(field, size, jsonBytes) }
        return size
    }

    private static func tooLarge(_ field: String, _ size: Int, _ limit: Int) -> HostError {
        HostError(.invalid, "\(field) is \(size) bytes; the limit is \(limit)")
    }

    /// The bytes a row costs in the per-client tally: its strings and the encoding of its JSON.
    static func footprint(_ agent: HostAgent) -> Int {
        var total = agent.id.utf8.count + agent.name.utf8.count + agent.kind.utf8.count
        total += agent.capabilities.reduce(0) { $0 + $1.utf8.count }
        total += (agent.project?.utf8.count ?? 0) + (agent.currentTask?.utf8.count ?? 0) + (agent.message?.utf8.count ?? 0)
        total += json(agent.display) + json(agent.metadata)
        return total
    }

    static func footprint(_ device: HostDevice) -> Int {
        var total = device.id.utf8.count + device.name.utf8.count + device.platform.utf8.count + device.status.utf8.count
        total += device.capabilities.reduce(0) { $0 + $1.utf8.count }
        return total + json(device.metadata)
    }

    static func footprint(_ approval: HostApproval) -> Int {
        approval.id.utf8.count + approval.title.utf8.count + (approval.description?.utf8.count ?? 0)
            + (approval.agentID?.utf8.count ?? 0) + (approval.action?.utf8.count ?? 0) + json(approval.context)
    }

    private static func json(_ value: JSONValue?) -> Int {
        value.map { JSONWriter.encodedCount($0) } ?? 0
    }
}

/// Which event kinds belong to the daemon. A client's `host.notify` may name any kind outside
/// these namespaces (the default stays `host.notification`, as in the reference), so a host app
/// can trust that an `approval.resolved` or `agent.status_changed` event came from the daemon:
/// before, any session could forge one. Refusing (rather than renaming a client's kind) keeps
/// every kind a legitimate client sends delivered exactly as sent.
public enum HostEventKinds {
    /// The daemon's namespaces: those it records (agent, approval, device) and the reference's
    /// a2ui surface events. A new daemon event namespace is added here.
    public static let daemonNamespaces = ["agent.", "approval.", "device.", "a2ui."]

    /// The kind of a notification that names none.
    public static let notification = "host.notification"

    /// Whether a client may use this kind: compared case-insensitively and ignoring surrounding
    /// spaces, so `Approval.Resolved ` is refused too.
    public static func isClientKind(_ kind: String) -> Bool {
        let normalized = kind.trimmingSpaces.lowercased()
        return !daemonNamespaces.contains { normalized.hasPrefix($0) }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
