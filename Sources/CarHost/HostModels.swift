import CarJSON

// The rows of host state. Every `json` rendering uses the wire's snake_case member names and
// writes `null` for an absent optional (so a dashboard sees every member on every row).

/// An agent registered into host state by a WebSocket session (its owner).
public struct HostAgent: Sendable, Hashable {
    /// The statuses `setStatus` accepts.
    public static let statuses: Set<String> = [
        "idle", "running", "waiting_for_approval", "paused", "completed", "errored", "stopped",
    ]

    public var id: String
    public var name: String
    public var kind: String
    public var capabilities: [String]
    public var project: String?
    public var pid: Int?
    /// One of `HostAgent.statuses`; "idle" on registration.
    public var status: String
    public var currentTask: String?
    public var message: String?
    /// The session that registered the agent: the only one that may mutate it.
    public var sessionID: String
    public var display: JSONValue?
    public var metadata: JSONValue?
    /// RFC 3339, UTC.
    public var updatedAt: String

    public init(id: String, name: String, kind: String, capabilities: [String], project: String?, pid: Int?,
                status: String, currentTask: String?, message: String?, sessionID: String,
                display: JSONValue?, metadata: JSONValue?, updatedAt: String) {
        self.id = id; self.name = name; self.kind = kind; self.capabilities = capabilities
        self.project = project; self.pid = pid; self.status = status; self.currentTask = currentTask
        self.message = message; self.sessionID = sessionID; self.display = display
        self.metadata = metadata; self.updatedAt = updatedAt
    }

    public var json: JSONValue {
        .object([
            "id": .string(id),
            "name": .string(name),
            "kind": .string(kind),
            "capabilities": .array(capabilities.map { .string($0) }),
            "project": project.map { .string($0) } ?? .null,
            "pid": pid.map { .int(Int64($0)) } ?? .null,
            "status": .string(status),
            "current_task": currentTask.map { .string($0) } ?? .null,
            "message": message.map { .string($0) } ?? .null,
            "session_id": .string(sessionID),
            "display": display ?? .null,
            "metadata": metadata ?? .null,
            "updated_at": .string(updatedAt),
        ])
    }
}

/// A native host app (tray, phone, tablet) linked to the daemon: status and capability metadata only.
public struct HostDevice: Sendable, Hashable {
    public var id: String
    public var name: String
    public var platform: String
    public var capabilities: [String]
    /// Free-form; "online" when the registration names none.
    public var status: String
    /// The registering session (the owner). Always set by `registerDevice`.
    public var sessionID: String?
    public var updatedAt: String
    public var metadata: JSONValue?

    public init(id: String, name: String, platform: String, capabilities: [String], status: String,
                sessionID: String?, updatedAt: String, metadata: JSONValue?) {
        self.id = id; self.name = name; self.platform = platform; self.capabilities = capabilities
        self.status = status; self.sessionID = sessionID; self.updatedAt = updatedAt; self.metadata = metadata
    }

    public var json: JSONValue {
        .object([
            "id": .string(id),
            "name": .string(name),
            "platform": .string(platform),
            "capabilities": .array(capabilities.map { .string($0) }),
            "status": .string(status),
            "session_id": sessionID.map { .string($0) } ?? .null,
            "updated_at": .string(updatedAt),
            "metadata": metadata ?? .null,
        ])
    }
}

/// A request for a person's decision: raised by a session (`clientID` set, resolvable only by
/// it) or by the high-risk method gate for a call a connection made (`clientID` nil on the
/// wire as in the reference, `raisedBy` that connection: resolvable by any other session, and
/// only by a host-role one when the daemon issues a host token).
public struct HostApproval: Sendable, Hashable {
    public var id: String
    public var agentID: String?
    public var title: String
    public var description: String?
    public var context: JSONValue?
    /// "ws.method:<method>" for the approval gate; nil for approvals raised through `host.request_approval`.
    public var action: String?
    /// Recorded and reported; one `resolveApproval` call decides the approval.
    public var requiredApprovals: Int
    /// "pending", "approved", "denied" or "expired" (a gated call that timed out, was
    /// cancelled or lost its client: nobody waits for it, so it no longer counts as pending).
    public var status: String
    /// The raising session; nil = system-level.
    public var clientID: String?
    /// The connection whose doing the approval is: the raising session, or for a gated call
    /// the connection that made it (which may never resolve it). Counted against that
    /// client's pending cap; not a wire member (the gate's rows carry it in `context`).
    public var raisedBy: String?
    public var createdAt: String
    public var resolvedAt: String?
    public var notes: String?

    public init(id: String, agentID: String?, title: String, description: String?, context: JSONValue?,
                action: String?, requiredApprovals: Int, status: String, clientID: String?,
                raisedBy: String? = nil, createdAt: String, resolvedAt: String?, notes: String?) {
        self.id = id; self.agentID = agentID; self.title = title; self.description = description
        self.context = context; self.action = action; self.requiredApprovals = requiredApprovals
        self.status = status; self.clientID = clientID; self.raisedBy = raisedBy ?? clientID; self.createdAt = createdAt
        self.resolvedAt = resolvedAt; self.notes = notes
    }

    public var isPending: Bool { status == "pending" }

    /// Raised by the approval gate for a connection's call (not by `host.request_approval`).
    public var isGatedCall: Bool { clientID == nil && raisedBy != nil }

    public var json: JSONValue {
        .object([
            "id": .string(id),
            "agent_id": agentID.map { .string($0) } ?? .null,
            "title": .string(title),
            "description": description.map { .string($0) } ?? .null,
            "context": context ?? .null,
            "action": action.map { .string($0) } ?? .null,
            "required_approvals": .int(Int64(requiredApprovals)),
            "status": .string(status),
            "client_id": clientID.map { .string($0) } ?? .null,
            "created_at": .string(createdAt),
            "resolved_at": resolvedAt.map { .string($0) } ?? .null,
            "notes": notes.map { .string($0) } ?? .null,
        ])
    }
}

/// One entry of the host event log (and one `host.event` notification).
public struct HostEvent: Sendable, Hashable {
    /// Strictly increasing from 1 over the life of the `HostState`.
    public var seq: UInt64
    /// agent.registered, agent.unregistered, agent.status_changed, approval.requested,
    /// approval.resolved, device.registered, device.updated, device.unregistered, or a `notify` kind
    /// (default host.notification).
    public var kind: String
    public var agentID: String?
    public var message: String?
    public var payload: JSONValue?
    public var timestamp: String

    public init(seq: UInt64, kind: String, agentID: String?, message: String?, payload: JSONValue?, timestamp: String) {
        self.seq = seq; self.kind = kind; self.agentID = agentID; self.message = message
        self.payload = payload; self.timestamp = timestamp
    }

    public var json: JSONValue {
        .object([
            "seq": .int(Int64(truncatingIfNeeded: seq)),
            "kind": .string(kind),
            "agent_id": agentID.map { .string($0) } ?? .null,
            "message": message.map { .string($0) } ?? .null,
            "payload": payload ?? .null,
            "timestamp": .string(timestamp),
        ])
    }
}

/// A refused host-state operation. `description` is the message for the client; `kind` lets the
/// integrator pick a JSON-RPC error code.
public struct HostError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No such agent, device or approval.
        case notFound
        /// The row belongs to another session (the per-session ACL).
        case notOwner
        /// A parameter is out of range (unknown status, required_approvals < 1).
        case invalid
        /// The approval was already resolved.
        case conflict
        /// A bounded table is full.
        case capacity
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Whether the session resolving an approval holds the daemon's host role. Gated calls'
/// approvals need it when the daemon issues a host token (`notIssued` otherwise: then no
/// session could hold it, and any session other than the caller decides).
public enum HostRoleStatus: Sendable, Hashable {
    case held
    case notHeld
    case notIssued
}
