import CarIO
import CarJSON
import Foundation
import Synchronization

/// The registry behind `host.*`: agents, linked devices, approvals and the event log, shared by
/// every connection of the daemon.
///
/// Ownership (the per-session ACL): the session that registers an agent or device owns it and is the
/// only one that may change or remove it; an approval raised by a session is resolvable only by that
/// session. A gated call's approval (raised by the high-risk method gate, `session: nil`,
/// `raisedBy` the calling connection) is resolvable by any session except the caller, and only by
/// a host-role session when the daemon issues a host token: a connection must never approve its
/// own high-risk call. Reads (`agents`, `devices`, `approvals`, `events`) are open to all.
///
/// Bounds: at most `maxAgents` agents, `maxDevices` devices and `maxApprovals` approvals (registration
/// past the cap is refused with a `.capacity` error; when the approval table is full the oldest
/// approval no longer pending — resolved or expired — is evicted, and only a table full of pending
/// approvals refuses); at most `HostLimits.pendingApprovalsPerClient` pending approvals per client;
/// every string and JSON value within its `HostLimits` cap, and each client's agents, devices and
/// pending approvals within `HostLimits.clientBytes` in all; the event log keeps the newest
/// `eventCapacity` events within `maxEventLogBytes`; at most `maxWaiters` concurrent
/// `waitForResolution` calls.
///
/// Events are handed to the `onEvent` sink outside the lock, one at a time, in `seq` order; the sink may
/// call back into this `HostState` (its events are delivered after the current one).
public final class HostState: Sendable {
    public static let maxAgents = 10_000
    public static let maxDevices = 10_000
    public static let maxApprovals = 10_000
    public static let maxWaiters = 10_000
    /// The bytes the approval table keeps in all (`HostLimits.footprint` plus notes): decided and
    /// expired rows past it are evicted oldest first, so 10,000 rows at every cap (400 MB) are
    /// never held. Pending rows are bounded per client instead and are never evicted.
    public static let maxApprovalTableBytes = 32 << 20

    private struct Waiter {
        var continuation: CheckedContinuation<Bool, Never>
        /// A Dispatch timer, not a sleeping task: the timeout must fire even when every
        /// thread of Swift's cooperative pool is busy (blocked callers would otherwise wait on
        /// a timer that never gets a thread).
        var timer: WaitTimer?
    }

    /// The cancellable side of a waiter's Dispatch timer.
    private final class WaitTimer: Sendable {
        private let cancelled = Atomic<Bool>(false)
        func cancel() { cancelled.store(true, ordering: .releasing) }
        var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
    }

    private struct Table<Row> {
        var rows: [String: Row] = [:]
        /// Insertion order (ids); rows are never reordered on update.
        var order: [String] = []

        var count: Int { rows.count }
        var ordered: [Row] { order.compactMap { rows[$0] } }

        mutating func insert(_ id: String, _ row: Row) {
            if rows.updateValue(row, forKey: id) == nil { order.append(id) }
        }

        @discardableResult
        mutating func remove(_ id: String) -> Row? {
            guard let row = rows.removeValue(forKey: id) else { return nil }
            if let index = order.firstIndex(of: id) { order.remove(at: index) }
            return row
        }
    }

    private struct Inner {
        var agents = Table<HostAgent>()
        var devices = Table<HostDevice>()
        var approvals = Table<HostApproval>()
        /// The event log, bounded to the `eventCapacity` given at init and `maxEventLogBytes`.
        var ring: HostEventLog
        var nextSeq: UInt64 = 1
        var sink: (@Sendable (HostEvent) -> Void)?
        /// Events recorded but not yet handed to the sink, and whether a caller is delivering them.
        var outbox: [HostEvent] = []
        var delivering = false
        var waiters: [String: [UInt64: Waiter]] = [:]
        var waiterCount = 0
        var nextToken: UInt64 = 1
        /// What each row costs its client (`HostLimits.footprint`), by id: agents, devices and
        /// pending approvals. A resolved or expired approval stops counting.
        var agentBytes: [String: Int] = [:]
        var deviceBytes: [String: Int] = [:]
        var approvalBytes: [String: Int] = [:]
        /// The sum of those per client, and each client's pending approvals.
        var held: [String: Int] = [:]
        var pendingByClient: [String: Int] = [:]
        /// Every approval row's bytes (pending or not) and their sum, for `maxApprovalTableBytes`.
        var rowBytes: [String: Int] = [:]
        var tableBytes = 0
    }

    private let state: Mutex<Inner>

    /// The bytes the event log keeps in all: 1,000 events at every cap would be about 80 MB.
    public static let maxEventLogBytes = 16 << 20

    /// `eventCapacity`: how many events the ring keeps (at least 1).
    public init(eventCapacity: Int = 1000) {
        state = Mutex(Inner(ring: HostEventLog(capacity: eventCapacity, byteBudget: Self.maxEventLogBytes)))
    }

    /// Called for every recorded event (the integrator fans it out to subscribers). Set once at
    /// startup; a later call replaces the sink. Events recorded before a sink is set are not replayed.
    public func onEvent(_ sink: @escaping @Sendable (HostEvent) -> Void) {
        state.withLock { $0.sink = sink }
    }

    // MARK: Agents

    /// Registers an agent owned by `session` (a fresh UUID when `id` is nil or empty) with status
    /// "idle". Re-registering an id the same session owns updates its descriptive fields and keeps its
    /// status; an id owned by another session is refused. Broadcasts agent.registered.
    public func registerAgent(id: String?, name: String, kind: String, capabilities: [String], project: String?,
                              pid: Int?, display: JSONValue?, metadata: JSONValue?,
                              session: String) throws(HostError) -> HostAgent {
        try HostLimits.check(id, "id", HostLimits.idBytes)
        try HostLimits.check(name, "name", HostLimits.nameBytes)
        try HostLimits.check(kind, "kind", HostLimits.wordBytes)
        try HostLimits.check(capabilities: capabilities)
        try HostLimits.check(project, "project", HostLimits.longTextBytes)
        try HostLimits.check(json: display, "display")
        try HostLimits.check(json: metadata, "metadata")
        let agentID = Self.idOrFresh(id)
        let now = RFC3339.now()
        let result: Result<HostAgent, HostError> = state.withLock { s in
            if let existing = s.agents.rows[agentID] {
                guard existing.sessionID == session else { return .failure(Self.agentNotOwned(agentID)) }
                var agent = existing
                agent.name = name; agent.kind = kind; agent.capabilities = capabilities
                agent.project = project; agent.pid = pid; agent.display = display
                agent.metadata = metadata; agent.updatedAt = now
                if let refusal = charge(&s, session, \.agentBytes, agentID, HostLimits.footprint(agent)) { return .failure(refusal) }
                s.agents.insert(agentID, agent)
                record(&s, kind: "agent.registered", agentID: agentID, message: nil, payload: agent.json, at: now)
                return .success(agent)
            }
            guard s.agents.count < Self.maxAgents else {
                return .failure(HostError(.capacity, "host state holds the maximum of \(Self.maxAgents) agents"))
            }
            let agent = HostAgent(id: agentID, name: name, kind: kind, capabilities: capabilities, project: project,
                                  pid: pid, status: "idle", currentTask: nil, message: nil, sessionID: session,
                                  display: display, metadata: metadata, updatedAt: now)
            if let refusal = charge(&s, session, \.agentBytes, agentID, HostLimits.footprint(agent)) { return .failure(refusal) }
            s.agents.insert(agentID, agent)
            record(&s, kind: "agent.registered", agentID: agentID, message: nil, payload: agent.json, at: now)
            return .success(agent)
        }
        deliver()
        return try result.get()
    }

    /// Removes the agent. True when it was removed; false when no such agent exists. Refused when
    /// another session owns it. Broadcasts agent.unregistered.
    public func unregisterAgent(_ id: String, session: String) throws(HostError) -> Bool {
        let now = RFC3339.now()
        let result: Result<Bool, HostError> = state.withLock { s in
            guard let agent = s.agents.rows[id] else { return .success(false) }
            guard agent.sessionID == session else { return .failure(Self.agentNotOwned(id)) }
            s.agents.remove(id)
            release(&s, session, \.agentBytes, id)
            record(&s, kind: "agent.unregistered", agentID: id, message: nil, payload: agent.json, at: now)
            return .success(true)
        }
        deliver()
        return try result.get()
    }

    /// Sets the agent's status (one of `HostAgent.statuses`), current task and message (nil clears
    /// them). Only the owning session may. Broadcasts agent.status_changed with payload
    /// `{ agent, previous_status, payload }` (`payload` is the caller's, or null).
    public func setStatus(agentID: String, status: String, currentTask: String?, message: String?,
                          payload: JSONValue?, session: String) throws(HostError) -> HostAgent {
        guard HostAgent.statuses.contains(status) else { throw HostError(.invalid, "invalid status '\(status)'") }
        try HostLimits.check(agentID, "agent_id", HostLimits.idBytes)
        try HostLimits.check(currentTask, "current_task", HostLimits.textBytes)
        try HostLimits.check(message, "message", HostLimits.textBytes)
        try HostLimits.check(json: payload, "payload")
        let now = RFC3339.now()
        let result: Result<HostAgent, HostError> = state.withLock { s in
            guard var agent = s.agents.rows[agentID] else { return .failure(Self.unknownAgent(agentID)) }
            guard agent.sessionID == session else { return .failure(Self.agentNotOwned(agentID)) }
            let previous = agent.status
            agent.status = status; agent.currentTask = currentTask; agent.message = message; agent.updatedAt = now
            if let refusal = charge(&s, session, \.agentBytes, agentID, HostLimits.footprint(agent)) { return .failure(refusal) }
            s.agents.insert(agentID, agent)
            record(&s, kind: "agent.status_changed", agentID: agentID, message: message,
                   payload: .object(["agent": agent.json, "previous_status": .string(previous),
                                     "payload": payload ?? .null]),
                   at: now)
            return .success(agent)
        }
        deliver()
        return try result.get()
    }

    /// Every agent, in registration order.
    public var agents: [HostAgent] { state.withLock { $0.agents.ordered } }

    public func agent(_ id: String) -> HostAgent? { state.withLock { $0.agents.rows[id] } }

    // MARK: Devices

    /// Registers a device owned by `session` (a fresh UUID when `id` is nil or empty; status "online"
    /// when nil). Re-registering an id the same session owns replaces the row; another session's id is
    /// refused. Broadcasts device.registered.
    public func registerDevice(id: String?, name: String, platform: String, capabilities: [String], status: String?,
                               metadata: JSONValue?, session: String) throws(HostError) -> HostDevice {
        try Self.checkDevice(id: id, name: name, platform: platform, capabilities: capabilities, status: status, metadata: metadata)
        let deviceID = Self.idOrFresh(id)
        let now = RFC3339.now()
        let result: Result<HostDevice, HostError> = state.withLock { s in
            if let existing = s.devices.rows[deviceID], let owner = existing.sessionID, owner != session {
                return .failure(Self.deviceNotOwned(deviceID))
            }
            if s.devices.rows[deviceID] == nil, s.devices.count >= Self.maxDevices {
                return .failure(HostError(.capacity, "host state holds the maximum of \(Self.maxDevices) devices"))
            }
            let device = HostDevice(id: deviceID, name: name, platform: platform, capabilities: capabilities,
                                    status: status ?? "online", sessionID: session, updatedAt: now, metadata: metadata)
            if let refusal = charge(&s, session, \.deviceBytes, deviceID, HostLimits.footprint(device)) { return .failure(refusal) }
            s.devices.insert(deviceID, device)
            record(&s, kind: "device.registered", agentID: nil, message: nil, payload: device.json, at: now)
            return .success(device)
        }
        deliver()
        return try result.get()
    }

    /// Updates the fields given (nil keeps the current value). Only the owning session may.
    /// Broadcasts device.updated.
    public func updateDevice(id: String, name: String?, platform: String?, capabilities: [String]?, status: String?,
                             metadata: JSONValue?, session: String) throws(HostError) -> HostDevice {
        try Self.checkDevice(id: id, name: name, platform: platform, capabilities: capabilities, status: status, metadata: metadata)
        let now = RFC3339.now()
        let result: Result<HostDevice, HostError> = state.withLock { s in
            guard var device = s.devices.rows[id] else { return .failure(HostError(.notFound, "unknown device '\(id)'")) }
            if let owner = device.sessionID, owner != session { return .failure(Self.deviceNotOwned(id)) }
            if let name { device.name = name }
            if let platform { device.platform = platform }
            if let capabilities { device.capabilities = capabilities }
            if let status { device.status = status }
            if let metadata { device.metadata = metadata }
            device.updatedAt = now
            if let refusal = charge(&s, session, \.deviceBytes, id, HostLimits.footprint(device)) { return .failure(refusal) }
            s.devices.insert(id, device)
            record(&s, kind: "device.updated", agentID: nil, message: nil, payload: device.json, at: now)
            return .success(device)
        }
        deliver()
        return try result.get()
    }

    /// Every device, in registration order.
    public var devices: [HostDevice] { state.withLock { $0.devices.ordered } }

    // MARK: Notifications and events

    /// Records an event of `kind` (default "host.notification") and broadcasts it. No ownership check:
    /// a notification mutates nothing. Refused (`.invalid`, naming the field) when a field is over
    /// its `HostLimits` cap or `kind` is in a daemon namespace (`HostEventKinds`): a client cannot
    /// forge a daemon event.
    @discardableResult
    public func notify(kind: String?, agentID: String?, message: String?, payload: JSONValue?) throws(HostError) -> HostEvent {
        try HostLimits.check(kind, "kind", HostLimits.wordBytes)
        try HostLimits.check(agentID, "agent_id", HostLimits.idBytes)
        try HostLimits.check(message, "message", HostLimits.textBytes)
        try HostLimits.check(json: payload, "payload")
        let kind = kind.flatMap { $0.isEmpty ? nil : $0 } ?? HostEventKinds.notification
        guard HostEventKinds.isClientKind(kind) else {
            throw HostError(.invalid, "kind '\(kind)' is a daemon event kind: the \(HostEventKinds.daemonNamespaces.map { $0 + "*" }.joined(separator: ", ")) namespaces are the daemon's; name the notification in another namespace")
        }
        let now = RFC3339.now()
        let event = state.withLock { s in
            record(&s, kind: kind, agentID: agentID, message: message, payload: payload, at: now)
        }
        deliver()
        return event
    }

    /// Records and broadcasts an event the daemon itself raises (a supervised agent started,
    /// exited, attached): the kind must be in one of the daemon's namespaces, which clients can
    /// never use, so subscribers can trust where it came from.
    @discardableResult
    public func recordDaemonEvent(kind: String, agentID: String?, message: String?, payload: JSONValue?) -> HostEvent {
        precondition(!HostEventKinds.isClientKind(kind), "daemon event kinds live in the daemon's namespaces")
        let now = RFC3339.now()
        let event = state.withLock { s in
            record(&s, kind: kind, agentID: agentID, message: message, payload: payload, at: now)
        }
        deliver()
        return event
    }

    /// The most recent `limit` events still in the ring, oldest first (ascending `seq`). `limit <= 0`
    /// gives none.
    public func events(limit: Int) -> [HostEvent] {
        guard limit > 0 else { return [] }
        return state.withLock { s in
            s.ring.suffix(limit)
        }
    }

    // MARK: Approvals

    /// Raises an approval. `session` nil = a gated call's approval (the approval gate), with
    /// `raisedBy` the connection that made the call; non-nil = raised by that session. With an
    /// `agentID`, the agent must exist (and, for a session approval, be owned by that session); its
    /// status flips to waiting_for_approval (broadcasting agent.status_changed). Refused with
    /// `.capacity` when the raising client already has `HostLimits.pendingApprovalsPerClient`
    /// pending, or the table is full of pending approvals. Broadcasts approval.requested with the
    /// approval as payload.
    public func requestApproval(agentID: String?, title: String, description: String?, context: JSONValue?,
                                action: String?, requiredApprovals: Int,
                                session: String?, raisedBy: String? = nil) throws(HostError) -> HostApproval {
        guard requiredApprovals >= 1 else {
            throw HostError(.invalid, "required_approvals must be at least 1 (got \(requiredApprovals))")
        }
        try HostLimits.check(agentID, "agent_id", HostLimits.idBytes)
        try HostLimits.check(title, "title", HostLimits.textBytes)
        try HostLimits.check(description, "description", HostLimits.longTextBytes)
        try HostLimits.check(json: context, "context")
        let now = RFC3339.now()
        let approvalID = UUID().uuidString.lowercased()
        let raiser = session ?? raisedBy
        let result: Result<HostApproval, HostError> = state.withLock { s in
            var flipped: (HostAgent, String)?
            if let agentID {
                guard var agent = s.agents.rows[agentID] else { return .failure(Self.unknownAgent(agentID)) }
                if let session, agent.sessionID != session { return .failure(Self.agentNotOwned(agentID)) }
                let previous = agent.status
                agent.status = "waiting_for_approval"; agent.updatedAt = now
                flipped = (agent, previous)
            }
            if let raiser, s.pendingByClient[raiser, default: 0] >= HostLimits.pendingApprovalsPerClient {
                return .failure(HostError(.capacity, "this connection already has \(HostLimits.pendingApprovalsPerClient) approvals pending, the most one client may; wait until they are decided or expire"))
            }
            if s.approvals.count >= Self.maxApprovals {
                guard evictOldestDecided(&s) else {
                    return .failure(HostError(.capacity,
                                              "host state holds the maximum of \(Self.maxApprovals) pending approvals"))
                }
            }
            let approval = HostApproval(id: approvalID, agentID: agentID, title: title, description: description,
                                        context: context, action: action, requiredApprovals: requiredApprovals,
                                        status: "pending", clientID: session, raisedBy: raiser, createdAt: now,
                                        resolvedAt: nil, notes: nil)
            if let raiser {
                if let refusal = charge(&s, raiser, \.approvalBytes, approvalID, HostLimits.footprint(approval)) {
                    return .failure(refusal)
                }
                s.pendingByClient[raiser, default: 0] += 1
            }
            storeApproval(&s, approval)
            if let (agent, previous) = flipped {
                s.agents.insert(agent.id, agent)
                record(&s, kind: "agent.status_changed", agentID: agent.id, message: title,
                       payload: .object(["agent": agent.json, "previous_status": .string(previous),
                                         "payload": .object(["approval_id": .string(approvalID)])]),
                       at: now)
            }
            record(&s, kind: "approval.requested", agentID: agentID, message: title, payload: approval.json, at: now)
            return .success(approval)
        }
        deliver()
        return try result.get()
    }

    /// Resolves a pending approval. A session's own approval: only that session. A gated call's:
    /// any session but the connection that made the call, and only a host-role one when
    /// `role` says the daemon issues a host token (`.notHeld` is refused). Resolving a row that is
    /// no longer pending is a `.conflict` error. Wakes every `waitForResolution` on it and
    /// broadcasts approval.resolved. The agent's status is left for its owner to set.
    public func resolveApproval(id: String, approved: Bool, notes: String?, session: String,
                                role: HostRoleStatus = .notIssued) throws(HostError) -> HostApproval {
        try HostLimits.check(notes, "notes", HostLimits.textBytes)
        let now = RFC3339.now()
        let result: Result<(HostApproval, [Waiter]), HostError> = state.withLock { s in
            guard var approval = s.approvals.rows[id] else { return .failure(HostError(.notFound, "unknown approval '\(id)'")) }
            if let owner = approval.clientID, owner != session {
                return .failure(HostError(.notOwner, "approval '\(id)' was raised by another session"))
            }
            if approval.isGatedCall {
                if approval.raisedBy == session {
                    return .failure(HostError(.notOwner, "approval '\(id)' is for a call this connection made; a connection may never approve its own high-risk call, another one must decide it"))
                }
                if role == .notHeld {
                    return .failure(HostError(.notOwner, "approval '\(id)' gates a high-risk call: only a host-role session (session.auth {host_token}) may resolve it"))
                }
            }
            guard approval.isPending else {
                return .failure(HostError(.conflict, "approval '\(id)' is already \(approval.status)"))
            }
            approval.status = approved ? "approved" : "denied"
            approval.resolvedAt = now
            approval.notes = notes
            return .success((approval, settle(&s, approval, at: now)))
        }
        deliver()
        let (approval, waiters) = try result.get()
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: approved)
        }
        return approval
    }

    /// Every approval still held (pending, resolved and expired), oldest first.
    public var approvals: [HostApproval] { state.withLock { $0.approvals.ordered } }

    public func approval(_ id: String) -> HostApproval? { state.withLock { $0.approvals.rows[id] } }

    /// Waits until the approval is resolved or `timeout` passes: true = approved; false = denied, timed
    /// out, unknown id, the calling task cancelled, or too many waiters. A gated call's approval that
    /// its waiter gives up on (timeout, cancellation, no room to wait) is marked `expired` with notes
    /// saying why and approval.resolved is broadcast: nobody will act on a decision any more, and an
    /// expired row is evictable, so timed-out calls cannot fill the table. A session's own approval
    /// stays pending (its raiser may still resolve it). Does not poll: the waiter is a continuation
    /// resumed by `resolveApproval`, by a Dispatch timer that resolution cancels, or at once by task
    /// cancellation.
    public func waitForResolution(id: String, timeout: Duration) async -> Bool {
        let token = state.withLock { s in
            defer { s.nextToken &+= 1 }
            return s.nextToken
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = state.withLock { s in
                    guard let approval = s.approvals.rows[id] else { return false }
                    guard approval.isPending else { return approval.status == "approved" }
                    // Cancelled before parking (the cancellation handler found no waiter to wake).
                    if Task.isCancelled {
                        markExpired(&s, id, because: "the gated call was cancelled")
                        return false
                    }
                    guard s.waiterCount < Self.maxWaiters else {
                        markExpired(&s, id, because: "too many calls were waiting for approval")
                        return false
                    }
                    s.waiters[id, default: [:]][token] = Waiter(continuation: continuation, timer: nil)
                    s.waiterCount += 1
                    return nil
                }
                if let immediate {
                    deliver()
                    continuation.resume(returning: immediate)
                    return
                }
                let timer = WaitTimer()
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(SaturatingTime.nanoseconds(timeout)))) { [weak self] in
                    if !timer.isCancelled { self?.expire(id: id, token: token, because: "not approved within \(timeout)") }
                }
                let stillWaiting = state.withLock { s in
                    guard s.waiters[id]?[token] != nil else { return false }
                    s.waiters[id]![token]!.timer = timer
                    return true
                }
                if !stillWaiting { timer.cancel() }
            }
        } onCancel: {
            expire(id: id, token: token, because: "the gated call was cancelled")
        }
    }

    /// The number of `waitForResolution` calls currently parked (for tests and diagnostics).
    public var waiterCount: Int { state.withLock { $0.waiterCount } }

    /// The bytes of host state `client` holds (its agents, devices and pending approvals).
    public func bytesHeld(by client: String) -> Int { state.withLock { $0.held[client] ?? 0 } }

    // MARK: Sessions

    /// The connection `session` is gone. Its agents and devices are removed (broadcasting
    /// agent.unregistered / device.unregistered): they described a live connection, and leaving them
    /// would block a reconnecting client from registering the same ids. Its pending approvals are
    /// denied with notes "session closed" (broadcasting approval.resolved), since no other session may
    /// resolve them; its gated calls' pending approvals are expired (the call is denied, never run).
    public func sessionClosed(_ session: String) {
        let now = RFC3339.now()
        let pending: [(String, Waiter)] = state.withLock { s in
            for id in s.agents.order where s.agents.rows[id]?.sessionID == session {
                if let agent = s.agents.remove(id) {
                    s.agentBytes[id] = nil
                    record(&s, kind: "agent.unregistered", agentID: id, message: "session closed", payload: agent.json, at: now)
                }
            }
            for id in s.devices.order where s.devices.rows[id]?.sessionID == session {
                if let device = s.devices.remove(id) {
                    s.deviceBytes[id] = nil
                    record(&s, kind: "device.unregistered", agentID: nil, message: "session closed", payload: device.json, at: now)
                }
            }
            var woken: [(String, Waiter)] = []
            for id in s.approvals.order {
                guard var approval = s.approvals.rows[id], approval.isPending, approval.raisedBy == session else { continue }
                if approval.isGatedCall {
                    approval.status = "expired"; approval.notes = "the calling connection closed"
                } else {
                    approval.status = "denied"; approval.notes = "session closed"
                }
                approval.resolvedAt = now
                woken += settle(&s, approval, at: now).map { (id, $0) }
            }
            s.held[session] = nil
            s.pendingByClient[session] = nil
            return woken
        }
        for (_, waiter) in pending {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: false)
        }
        deliver()
    }

    // MARK: Internals

    /// Stores a decided (or expired) approval, releases its raiser's tally and pending count,
    /// records approval.resolved and takes its waiters. Under the lock.
    private func settle(_ s: inout Inner, _ approval: HostApproval, at now: String) -> [Waiter] {
        storeApproval(&s, approval)
        if let raiser = approval.raisedBy {
            release(&s, raiser, \.approvalBytes, approval.id)
            if let count = s.pendingByClient[raiser] { s.pendingByClient[raiser] = count > 1 ? count - 1 : nil }
        }
        record(&s, kind: "approval.resolved", agentID: approval.agentID, message: approval.title,
               payload: approval.json, at: now)
        return takeWaiters(&s, approval.id)
    }

    /// Inserts or replaces an approval row, keeping the table's byte sum, then evicts decided rows
    /// oldest first while the sum is over `maxApprovalTableBytes`. Under the lock.
    private func storeApproval(_ s: inout Inner, _ approval: HostApproval) {
        let bytes = HostLimits.footprint(approval) + (approval.notes?.utf8.count ?? 0)
        s.tableBytes += bytes - (s.rowBytes.updateValue(bytes, forKey: approval.id) ?? 0)
        s.approvals.insert(approval.id, approval)
        while s.tableBytes > Self.maxApprovalTableBytes, evictOldestDecided(&s, sparing: approval.id) {}
    }

    /// Removes the oldest row that is no longer pending (other than `sparing`); false when none is.
    private func evictOldestDecided(_ s: inout Inner, sparing kept: String? = nil) -> Bool {
        guard let oldest = s.approvals.order.first(where: { $0 != kept && s.approvals.rows[$0]?.isPending == false }) else {
            return false
        }
        s.approvals.remove(oldest)
        s.tableBytes -= s.rowBytes.removeValue(forKey: oldest) ?? 0
        return true
    }

    /// Expires a gated call's approval that is still pending and that nobody waits for any more.
    /// Under the lock; the caller delivers.
    private func markExpired(_ s: inout Inner, _ id: String, because reason: String) {
        guard var approval = s.approvals.rows[id], approval.isPending, approval.isGatedCall, s.waiters[id] == nil else { return }
        let now = RFC3339.now()
        approval.status = "expired"; approval.resolvedAt = now; approval.notes = reason
        _ = settle(&s, approval, at: now)  // no waiter is left to wake (checked above)
    }

    /// Records `bytes` as what row `id` of `client` now costs, unless the client's total would pass
    /// `HostLimits.clientBytes` (then nothing changes and the refusal is returned). Under the lock.
    private func charge(_ s: inout Inner, _ client: String, _ table: WritableKeyPath<Inner, [String: Int]>,
                        _ id: String, _ bytes: Int) -> HostError? {
        let previous = s[keyPath: table][id] ?? 0
        let total = (s.held[client] ?? 0) - previous + bytes
        guard total <= HostLimits.clientBytes else {
            return HostError(.capacity, "this connection would hold \(total) bytes of host state (agents, devices and pending approvals); the limit is \(HostLimits.clientBytes)")
        }
        s[keyPath: table][id] = bytes
        s.held[client] = total
        return nil
    }

    private func release(_ s: inout Inner, _ client: String, _ table: WritableKeyPath<Inner, [String: Int]>, _ id: String) {
        guard let bytes = s[keyPath: table].removeValue(forKey: id) else { return }
        let left = (s.held[client] ?? 0) - bytes
        s.held[client] = left > 0 ? left : nil
    }

    private static func checkDevice(id: String?, name: String?, platform: String?, capabilities: [String]?,
                                    status: String?, metadata: JSONValue?) throws(HostError) {
        try HostLimits.check(id, "id", HostLimits.idBytes)
        try HostLimits.check(name, "name", HostLimits.nameBytes)
        try HostLimits.check(platform, "platform", HostLimits.wordBytes)
        try HostLimits.check(capabilities: capabilities)
        try HostLimits.check(status, "status", HostLimits.wordBytes)
        try HostLimits.check(json: metadata, "metadata")
    }


    private func takeWaiters(_ s: inout Inner, _ id: String) -> [Waiter] {
        guard let parked = s.waiters.removeValue(forKey: id) else { return [] }
        s.waiterCount -= parked.count
        return Array(parked.values)
    }

    /// Timeout or cancellation of one waiter: removes it (if still parked) and resumes it with false;
    /// a gated call's approval left with no waiter is expired for `reason`.
    private func expire(id: String, token: UInt64, because reason: String) {
        let waiter: Waiter? = state.withLock { s in
            guard let waiter = s.waiters[id]?.removeValue(forKey: token) else { return nil }
            if s.waiters[id]?.isEmpty == true { s.waiters[id] = nil }
            s.waiterCount -= 1
            markExpired(&s, id, because: reason)
            return waiter
        }
        guard let waiter else { return }
        deliver()
        waiter.timer?.cancel()
        waiter.continuation.resume(returning: false)
    }

    /// Appends to the ring and the outbox. Call under the lock, then `deliver()` after it.
    @discardableResult
    private func record(_ s: inout Inner, kind: String, agentID: String?, message: String?, payload: JSONValue?,
                        at timestamp: String) -> HostEvent {
        let event = HostEvent(seq: s.nextSeq, kind: kind, agentID: agentID, message: message, payload: payload,
                              timestamp: timestamp)
        s.nextSeq += 1
        s.ring.append(event)
        if s.sink != nil { s.outbox.append(event) }
        return event
    }

    /// Hands outbox events to the sink, outside the lock, in seq order. One caller delivers at a time;
    /// others leave their events to it.
    private func deliver() {
        var first = true
        while true {
            let batch: ([HostEvent], @Sendable (HostEvent) -> Void)? = state.withLock { s in
                // Another caller is delivering: it takes our events on its next pass.
                if first && s.delivering { return nil }
                guard !s.outbox.isEmpty, let sink = s.sink else {
                    s.delivering = false
                    return nil
                }
                s.delivering = true
                let events = s.outbox
                s.outbox = []
                return (events, sink)
            }
            guard let (events, sink) = batch else { return }
            first = false
            for event in events { sink(event) }
        }
    }

    private static func idOrFresh(_ id: String?) -> String {
        if let id, !id.isEmpty { return id }
        return UUID().uuidString.lowercased()
    }

    private static func agentNotOwned(_ id: String) -> HostError {
        HostError(.notOwner, "agent '\(id)' is owned by another session")
    }

    private static func deviceNotOwned(_ id: String) -> HostError {
        HostError(.notOwner, "device '\(id)' is owned by another session")
    }

    private static func unknownAgent(_ id: String) -> HostError {
        HostError(.notFound, "unknown agent '\(id)'")
    }
}
