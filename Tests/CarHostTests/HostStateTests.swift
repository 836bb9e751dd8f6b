import CarJSON
import Dispatch
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Synchronization
import Testing
@testable import CarHost

private func register(_ host: HostState, _ id: String, session: String) throws(HostError) -> HostAgent {
    try host.registerAgent(id: id, name: "Agent \(id)", kind: "callback", capabilities: ["chat"], project: nil,
                           pid: 42, display: nil, metadata: nil, session: session)
}

/// Runs `body` expecting a HostError; returns it (records an issue when none is thrown).
private func hostError(_ body: () throws -> Void) -> HostError? {
    do {
        try body()
        Issue.record("expected a HostError")
        return nil
    } catch {
        guard let hostError = error as? HostError else {
            Issue.record("expected a HostError, got \(error)")
            return nil
        }
        return hostError
    }
}

/// A lock-protected value shared with escaping closures.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { mutex.withLock { $0 } }
}

@Suite("Host state: agents and ownership")
struct AgentOwnershipTests {
    @Test func ownerMutatesOthersAreRefusedReadsAreOpen() throws {
        let host = HostState()
        let agent = try register(host, "a1", session: "s1")
        #expect(agent.status == "idle")
        #expect(agent.sessionID == "s1")

        let updated = try host.setStatus(agentID: "a1", status: "running", currentTask: "build", message: "go",
                                         payload: nil, session: "s1")
        #expect(updated.status == "running")
        #expect(updated.currentTask == "build")

        let refused = hostError { _ = try host.setStatus(agentID: "a1", status: "paused", currentTask: nil, message: nil,
                                                          payload: nil, session: "s2") }
        #expect(refused?.description == "agent 'a1' is owned by another session")
        #expect(refused?.kind == .notOwner)

        let unregisterRefused = hostError { _ = try host.unregisterAgent("a1", session: "s2") }
        #expect(unregisterRefused?.description == "agent 'a1' is owned by another session")

        let overwriteRefused = hostError { _ = try register(host, "a1", session: "s2") }
        #expect(overwriteRefused?.description == "agent 'a1' is owned by another session")

        // Reads are open to everyone and the refused calls changed nothing.
        #expect(host.agents.map(\.id) == ["a1"])
        #expect(host.agents.first?.status == "running")

        #expect(try host.unregisterAgent("a1", session: "s1") == true)
        #expect(try host.unregisterAgent("a1", session: "s1") == false)
        #expect(host.agents.isEmpty)
        // Once the owner unregistered, another session may take the id.
        #expect(try register(host, "a1", session: "s2").sessionID == "s2")
    }

    @Test func reRegisterBySameSessionUpdatesAndKeepsOrderAndStatus() throws {
        let host = HostState()
        _ = try register(host, "a", session: "s")
        _ = try register(host, "b", session: "s")
        _ = try host.setStatus(agentID: "a", status: "paused", currentTask: nil, message: nil, payload: nil, session: "s")
        let again = try host.registerAgent(id: "a", name: "renamed", kind: "k", capabilities: [], project: "p", pid: nil,
                                           display: nil, metadata: ["x": 1], session: "s")
        #expect(again.name == "renamed")
        #expect(again.status == "paused")
        #expect(host.agents.map(\.id) == ["a", "b"])
    }

    @Test func generatedIDAndValidation() throws {
        let host = HostState()
        let agent = try host.registerAgent(id: nil, name: "n", kind: "k", capabilities: [], project: nil, pid: nil,
                                           display: nil, metadata: nil, session: "s")
        #expect(!agent.id.isEmpty)
        let invalid = hostError { _ = try host.setStatus(agentID: agent.id, status: "sleeping", currentTask: nil,
                                                          message: nil, payload: nil, session: "s") }
        #expect(invalid?.description == "invalid status 'sleeping'")
        let unknown = hostError { _ = try host.setStatus(agentID: "nope", status: "idle", currentTask: nil, message: nil,
                                                          payload: nil, session: "s") }
        #expect(unknown?.description == "unknown agent 'nope'")
        #expect(unknown?.kind == .notFound)
    }

    @Test func agentJSONUsesWireNames() throws {
        let host = HostState()
        let agent = try host.registerAgent(id: "a", name: "n", kind: "k", capabilities: ["chat"], project: "p", pid: 7,
                                           display: nil, metadata: nil, session: "s")
        let json = agent.json
        #expect(json["session_id"] == "s")
        #expect(json["pid"] == 7)
        #expect(json["capabilities"] == ["chat"])
        #expect(json["current_task"] == .null)
        #expect(json["updated_at"]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test func agentCapacityIsEnforced() throws {
        let host = HostState(eventCapacity: 4)
        for index in 0..<HostState.maxAgents { _ = try register(host, "a\(index)", session: "s") }
        let full = hostError { _ = try register(host, "overflow", session: "s") }
        #expect(full?.kind == .capacity)
        // Re-registering an existing id is still allowed at the cap.
        #expect(try register(host, "a0", session: "s").id == "a0")
    }
}

@Suite("Host state: devices")
struct DeviceTests {
    @Test func ownerUpdatesOthersRefused() throws {
        let host = HostState()
        let device = try host.registerDevice(id: "phone", name: "Phone", platform: "ios", capabilities: ["notifications.deliver"],
                                             status: nil, metadata: nil, session: "s1")
        #expect(device.status == "online")
        #expect(device.sessionID == "s1")

        let updated = try host.updateDevice(id: "phone", name: nil, platform: nil, capabilities: nil, status: "away",
                                            metadata: ["battery": 80], session: "s1")
        #expect(updated.status == "away")
        #expect(updated.name == "Phone")
        #expect(updated.metadata == ["battery": 80])

        let refused = hostError { _ = try host.updateDevice(id: "phone", name: "x", platform: nil, capabilities: nil,
                                                             status: nil, metadata: nil, session: "s2") }
        #expect(refused?.description == "device 'phone' is owned by another session")
        let overwrite = hostError { _ = try host.registerDevice(id: "phone", name: "x", platform: "android", capabilities: [],
                                                                 status: nil, metadata: nil, session: "s2") }
        #expect(overwrite?.kind == .notOwner)
        let unknown = hostError { _ = try host.updateDevice(id: "tablet", name: nil, platform: nil, capabilities: nil,
                                                             status: nil, metadata: nil, session: "s1") }
        #expect(unknown?.description == "unknown device 'tablet'")

        #expect(host.devices.map(\.name) == ["Phone"])
        #expect(host.events(limit: 10).map(\.kind) == ["device.registered", "device.updated"])
    }
}

@Suite("Host state: approvals")
struct ApprovalTests {
    @Test func sessionApprovalOnlyResolvableByItsSession() throws {
        let host = HostState()
        let approval = try host.requestApproval(agentID: nil, title: "Deploy?", description: nil, context: nil, action: nil,
                                                requiredApprovals: 1, session: "s1")
        #expect(approval.clientID == "s1")
        #expect(approval.status == "pending")

        let refused = hostError { _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "s2") }
        #expect(refused?.description == "approval '\(approval.id)' was raised by another session")
        #expect(host.approval(approval.id)?.status == "pending")

        let resolved = try host.resolveApproval(id: approval.id, approved: false, notes: "no", session: "s1")
        #expect(resolved.status == "denied")
        #expect(resolved.notes == "no")
        #expect(resolved.resolvedAt != nil)

        let twice = hostError { _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "s1") }
        #expect(twice?.kind == .conflict)
        #expect(host.approval(approval.id)?.status == "denied")
    }

    @Test func aGatedCallsApprovalIsResolvableByAnySessionButTheCaller() throws {
        let host = HostState()
        let approval = try host.requestApproval(agentID: nil, title: "messages.send", description: nil,
                                                context: ["to": "x"], action: "ws.method:messages.send",
                                                requiredApprovals: 1, session: nil, raisedBy: "caller")
        #expect(approval.clientID == nil)
        #expect(approval.raisedBy == "caller")
        #expect(approval.json["client_id"] == .null)
        #expect(approval.json["action"] == "ws.method:messages.send")
        let own = hostError { _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "caller") }
        #expect(own?.kind == .notOwner)
        #expect(own?.description.contains("a connection may never approve its own high-risk call") == true)
        #expect(host.approval(approval.id)?.status == "pending")
        let resolved = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "dashboard")
        #expect(resolved.status == "approved")
        #expect(host.approvals.map(\.status) == ["approved"])
    }

    @Test func withAHostRoleOnlyAHostSessionResolvesAGatedCall() throws {
        let host = HostState()
        let approval = try host.requestApproval(agentID: nil, title: "t", description: nil, context: nil,
                                                action: "ws.method:mail.send", requiredApprovals: 1, session: nil,
                                                raisedBy: "caller")
        let plain = hostError { _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "other",
                                                              role: .notHeld) }
        #expect(plain?.kind == .notOwner)
        #expect(plain?.description.contains("only a host-role session (session.auth {host_token})") == true)
        // The caller is refused even when it holds the host role.
        let ownHost = hostError { _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "caller",
                                                                role: .held) }
        #expect(ownHost?.kind == .notOwner)
        #expect(try host.resolveApproval(id: approval.id, approved: false, notes: nil, session: "tray", role: .held).status == "denied")
        // A session's own approval is its own business: the host role is not needed for it.
        let mine = try host.requestApproval(agentID: nil, title: "t", description: nil, context: nil, action: nil,
                                            requiredApprovals: 1, session: "s1")
        #expect(try host.resolveApproval(id: mine.id, approved: true, notes: nil, session: "s1", role: .notHeld).status == "approved")
    }

    @Test func pendingApprovalsAreCappedPerClient() throws {
        let host = HostState()
        var first: HostApproval?
        for index in 0..<HostLimits.pendingApprovalsPerClient {
            let approval = try host.requestApproval(agentID: nil, title: "t\(index)", description: nil, context: nil,
                                                    action: "ws.method:mail.send", requiredApprovals: 1, session: nil,
                                                    raisedBy: "greedy")
            if index == 0 { first = approval }
        }
        let refused = hostError { _ = try host.requestApproval(agentID: nil, title: "over", description: nil, context: nil,
                                                                action: nil, requiredApprovals: 1, session: "greedy") }
        #expect(refused?.kind == .capacity)
        #expect(refused?.description.contains("already has \(HostLimits.pendingApprovalsPerClient) approvals pending") == true)
        // Everyone else is unaffected, and a decided approval frees a place.
        _ = try host.requestApproval(agentID: nil, title: "t", description: nil, context: nil, action: nil,
                                     requiredApprovals: 1, session: "modest")
        _ = try host.resolveApproval(id: first!.id, approved: false, notes: nil, session: "ui")
        _ = try host.requestApproval(agentID: nil, title: "again", description: nil, context: nil, action: nil,
                                     requiredApprovals: 1, session: "greedy")
    }

    @Test func requestWithAgentFlipsStatus() throws {
        let host = HostState()
        _ = try register(host, "a1", session: "s1")
        _ = try host.setStatus(agentID: "a1", status: "running", currentTask: nil, message: nil, payload: nil, session: "s1")
        let approval = try host.requestApproval(agentID: "a1", title: "rm -rf?", description: "danger", context: nil,
                                                action: nil, requiredApprovals: 1, session: "s1")
        #expect(approval.agentID == "a1")
        #expect(host.agent("a1")?.status == "waiting_for_approval")
        let kinds = host.events(limit: 2).map(\.kind)
        #expect(kinds == ["agent.status_changed", "approval.requested"])

        // Another session may not park someone else's agent; a system-level approval may.
        let refused = hostError { _ = try host.requestApproval(agentID: "a1", title: "t", description: nil, context: nil,
                                                                action: nil, requiredApprovals: 1, session: "s2") }
        #expect(refused?.description == "agent 'a1' is owned by another session")
        let unknown = hostError { _ = try host.requestApproval(agentID: "ghost", title: "t", description: nil, context: nil,
                                                                action: nil, requiredApprovals: 1, session: nil) }
        #expect(unknown?.description == "unknown agent 'ghost'")
        let invalid = hostError { _ = try host.requestApproval(agentID: nil, title: "t", description: nil, context: nil,
                                                                action: nil, requiredApprovals: 0, session: nil) }
        #expect(invalid?.kind == .invalid)
        #expect(host.approvals.count == 1)
    }

    @Test func resolvedApprovalsAreEvictedOldestFirstAtTheCap() throws {
        let host = HostState(eventCapacity: 1)
        var first: String?
        for index in 0..<HostState.maxApprovals {
            let approval = try host.requestApproval(agentID: nil, title: "t\(index)", description: nil, context: nil,
                                                    action: nil, requiredApprovals: 1, session: "s\(index)")
            if index == 0 { first = approval.id }
        }
        let full = hostError { _ = try host.requestApproval(agentID: nil, title: "over", description: nil, context: nil,
                                                             action: nil, requiredApprovals: 1, session: "s") }
        #expect(full?.kind == .capacity)

        _ = try host.resolveApproval(id: first!, approved: true, notes: nil, session: "s0")
        let next = try host.requestApproval(agentID: nil, title: "over", description: nil, context: nil, action: nil,
                                            requiredApprovals: 1, session: "s")
        #expect(host.approval(first!) == nil)
        #expect(host.approvals.count == HostState.maxApprovals)
        #expect(host.approvals.last?.id == next.id)
    }
}

@Suite("Host state: events")
struct EventTests {
    @Test func ringIsBoundedAndOrdered() {
        let host = HostState(eventCapacity: 5)
        for index in 1...12 { _ = try? host.notify(kind: nil, agentID: nil, message: "m\(index)", payload: nil) }
        let all = host.events(limit: 100)
        #expect(all.count == 5)
        #expect(all.map(\.seq) == [8, 9, 10, 11, 12])
        #expect(all.map(\.message) == ["m8", "m9", "m10", "m11", "m12"])
        #expect(all.allSatisfy { $0.kind == "host.notification" })
        #expect(host.events(limit: 2).map(\.seq) == [11, 12])
        #expect(host.events(limit: 0).isEmpty)
    }

    @Test func notifyKeepsKindAndPayload() throws {
        let host = HostState()
        let event = try host.notify(kind: "custom.kind", agentID: "a", message: "hi", payload: ["target_device_id": "phone"])
        #expect(event.seq == 1)
        #expect(event.json["kind"] == "custom.kind")
        #expect(event.json["agent_id"] == "a")
        #expect(event.json["payload"]?["target_device_id"] == "phone")
    }

    @Test func sinkReceivesEveryEventInOrder() throws {
        let host = HostState(eventCapacity: 3)
        let seen = Locked<[HostEvent]>([])
        host.onEvent { event in seen.withLock { $0.append(event) } }

        _ = try register(host, "a1", session: "s")
        _ = try host.setStatus(agentID: "a1", status: "running", currentTask: nil, message: "m", payload: ["p": 1], session: "s")
        let approval = try host.requestApproval(agentID: "a1", title: "ok?", description: nil, context: nil, action: nil,
                                                requiredApprovals: 1, session: "s")
        _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "s")
        _ = try host.registerDevice(id: "d", name: "D", platform: "macos", capabilities: [], status: nil, metadata: nil,
                                    session: "s")
        _ = try host.updateDevice(id: "d", name: nil, platform: nil, capabilities: nil, status: "busy", metadata: nil,
                                  session: "s")
        _ = try? host.notify(kind: nil, agentID: nil, message: "hello", payload: nil)
        _ = try host.unregisterAgent("a1", session: "s")
        // A refused mutation records nothing.
        _ = hostError { _ = try host.setStatus(agentID: "ghost", status: "idle", currentTask: nil, message: nil,
                                               payload: nil, session: "s") }

        let events = seen.withLock { $0 }
        #expect(events.map(\.kind) == [
            "agent.registered", "agent.status_changed", "agent.status_changed", "approval.requested",
            "approval.resolved", "device.registered", "device.updated", "host.notification", "agent.unregistered",
        ])
        #expect(events.map(\.seq) == Array(1...9))
        #expect(events[1].payload?["previous_status"] == "idle")
        #expect(events[1].payload?["payload"] == ["p": 1])
        // The ring kept only the last three; the sink saw all nine.
        #expect(host.events(limit: 10).map(\.seq) == [7, 8, 9])
    }

    @Test func sinkSeesEveryEventInSeqOrderUnderConcurrentWriters() {
        let host = HostState(eventCapacity: 16)
        let seen = Locked<[UInt64]>([])
        // A slow sink widens the window in which a second writer could deliver out of order.
        host.onEvent { event in
            if event.seq % 4 == 0 { usleep(20) }
            seen.withLock { $0.append(event.seq) }
        }
        // Dispatch worker threads, so the writers really overlap whatever else the test pool runs.
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            for index in 0..<250 {
                _ = try? host.notify(kind: nil, agentID: "w\(writer)", message: "\(index)", payload: nil)
            }
        }
        let delivered = seen.value
        let firstOutOfOrder = zip(delivered, delivered.dropFirst()).first { $0.0 >= $0.1 }
        #expect(delivered.count == 2000)
        #expect(firstOutOfOrder == nil, "delivered out of order: \(String(describing: firstOutOfOrder))")
        #expect(delivered.first == 1 && delivered.last == 2000)
        #expect(host.events(limit: 100).map(\.seq) == Array(1985...2000))
    }

    @Test func aWriterNeverOvertakesTheDeliveryInProgress() {
        let host = HostState()
        let seen = Locked<[UInt64]>([])
        host.onEvent { event in
            if event.seq == 1 {
                // While event 1 is being delivered, another thread records event 2 (and returns).
                let recorded = DispatchSemaphore(value: 0)
                DispatchQueue.global().async {
                    _ = try? host.notify(kind: "second", agentID: nil, message: nil, payload: nil)
                    recorded.signal()
                }
                #expect(recorded.wait(timeout: .now() + 5) == .success)
            }
            seen.withLock { $0.append(event.seq) }
        }
        _ = try? host.notify(kind: "first", agentID: nil, message: nil, payload: nil)
        #expect(seen.value == [1, 2])
    }

    @Test func sinkMayCallBackIntoHostState() throws {
        let host = HostState()
        let seen = Locked<[String]>([])
        host.onEvent { [host] event in
            seen.withLock { $0.append(event.kind) }
            if event.kind == "agent.registered" {
                _ = try? host.notify(kind: "echo", agentID: event.agentID, message: nil, payload: nil)
            }
        }
        _ = try register(host, "a", session: "s")
        #expect(seen.withLock { $0 } == ["agent.registered", "echo"])
    }
}

@Suite("Host state: waiting for resolution")
struct WaitTests {
    private func raise(_ host: HostState) throws -> HostApproval {
        try host.requestApproval(agentID: nil, title: "gate", description: nil, context: nil,
                                 action: "ws.method:mail.send", requiredApprovals: 1, session: nil, raisedBy: "caller")
    }

    @Test func approveWakesWaiter() async throws {
        let host = HostState()
        let approval = try raise(host)
        // The wait's own timeout is far past anything a busy machine delays a wake by, so
        // answering well before it can only come from the resolution.
        async let outcome = host.waitForResolution(id: approval.id, timeout: .seconds(120))
        try await waitUntil { host.waiterCount == 1 }
        _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "ui")
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await outcome == true)
        #expect(clock.now - start < .seconds(60))
        #expect(host.waiterCount == 0)
    }

    @Test func denyWakesEveryWaiterWithFalse() async throws {
        let host = HostState()
        let approval = try raise(host)
        async let first = host.waitForResolution(id: approval.id, timeout: .seconds(10))
        async let second = host.waitForResolution(id: approval.id, timeout: .seconds(10))
        try await waitUntil { host.waiterCount == 2 }
        _ = try host.resolveApproval(id: approval.id, approved: false, notes: nil, session: "ui")
        #expect(await first == false)
        #expect(await second == false)
        #expect(host.waiterCount == 0)
    }

    @Test func timeoutReturnsFalseExpiresTheGatedRowAndCleansUp() async throws {
        let host = HostState()
        let approval = try raise(host)
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = await host.waitForResolution(id: approval.id, timeout: .milliseconds(50))
        let elapsed = clock.now - start
        #expect(outcome == false)
        #expect(elapsed >= .milliseconds(50))
        // Nobody waits for a decision any more: the row is expired (so it can be evicted), not pending.
        #expect(host.approval(approval.id)?.status == "expired")
        #expect(host.approval(approval.id)?.notes?.hasPrefix("not approved within") == true)
        #expect(host.waiterCount == 0)
        #expect(host.events(limit: 1).first?.kind == "approval.resolved")
        // A late resolution is a conflict and wakes nobody.
        let late = hostError { _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "ui") }
        #expect(late?.kind == .conflict)
        #expect(late?.description == "approval '\(approval.id)' is already expired")
    }

    @Test func alreadyResolvedAndUnknownReturnAtOnce() async throws {
        let host = HostState()
        let approval = try raise(host)
        _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "ui")
        #expect(await host.waitForResolution(id: approval.id, timeout: .seconds(10)) == true)
        #expect(await host.waitForResolution(id: "missing", timeout: .seconds(10)) == false)
        #expect(host.waiterCount == 0)
    }

    @Test func cancellationRemovesWaiter() async throws {
        let host = HostState()
        let approval = try raise(host)
        let task = Task { await host.waitForResolution(id: approval.id, timeout: .seconds(30)) }
        try await waitUntil { host.waiterCount == 1 }
        task.cancel()
        #expect(await task.value == false)
        #expect(host.waiterCount == 0)
        #expect(host.approval(approval.id)?.status == "expired")
        #expect(host.approval(approval.id)?.notes == "the gated call was cancelled")
    }

    @Test func aWaitCancelledBeforeItParksExpiresAtOnce() async throws {
        let host = HostState()
        let approval = try raise(host)
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await host.waitForResolution(id: approval.id, timeout: .seconds(3600))
        }
        #expect(await task.value == false)
        // Far below the hour it would wait; generous because a loaded test run can delay the
        // task itself by many seconds.
        #expect(clock.now - start < .seconds(600))
        #expect(host.approval(approval.id)?.status == "expired")
        #expect(host.waiterCount == 0)
    }
}

@Suite("Host state: session close")
struct SessionCloseTests {
    @Test func closingRemovesRowsAndDeniesItsApprovals() async throws {
        let host = HostState()
        _ = try register(host, "mine", session: "s1")
        _ = try register(host, "theirs", session: "s2")
        _ = try host.registerDevice(id: "d1", name: "D", platform: "ios", capabilities: [], status: nil, metadata: nil,
                                    session: "s1")
        let own = try host.requestApproval(agentID: "mine", title: "t", description: nil, context: nil, action: nil,
                                           requiredApprovals: 1, session: "s1")
        let system = try host.requestApproval(agentID: nil, title: "gate", description: nil, context: nil,
                                              action: "ws.method:messages.send", requiredApprovals: 1, session: nil,
                                              raisedBy: "s2")
        let ownCall = try host.requestApproval(agentID: nil, title: "gate", description: nil, context: nil,
                                               action: "ws.method:mail.send", requiredApprovals: 1, session: nil,
                                               raisedBy: "s1")
        async let outcome = host.waitForResolution(id: own.id, timeout: .seconds(10))
        try await waitUntil { host.waiterCount == 1 }

        host.sessionClosed("s1")

        #expect(await outcome == false)
        #expect(host.agents.map(\.id) == ["theirs"])
        #expect(host.devices.isEmpty)
        #expect(host.approval(own.id)?.status == "denied")
        #expect(host.approval(own.id)?.notes == "session closed")
        #expect(host.approval(system.id)?.status == "pending", "another connection's call is untouched")
        #expect(host.approval(ownCall.id)?.status == "expired", "the closed connection's own call is never run")
        #expect(host.approval(ownCall.id)?.notes == "the calling connection closed")
        #expect(host.bytesHeld(by: "s1") == 0)
        #expect(host.events(limit: 4).map(\.kind) == ["agent.unregistered", "device.unregistered", "approval.resolved", "approval.resolved"])
        // The id is free again for a reconnecting client.
        #expect(try register(host, "mine", session: "s3").sessionID == "s3")
    }
}

/// Yields until `condition` holds (bounded at about 5 s): used only to line up a test's steps.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<5000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("condition never became true")
}
