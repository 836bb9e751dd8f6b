import CarJSON
import Testing
@testable import CarHost

/// Byte caps on what clients keep in host state, and the daemon's event namespaces.
@Suite("Host state: byte caps and event kinds")
struct HostLimitsTests {
    private func refusal(_ body: () throws -> Void) -> HostError? {
        do {
            try body()
            return nil
        } catch {
            return error as? HostError
        }
    }

    private static func text(_ bytes: Int) -> String { String(repeating: "x", count: bytes) }

    @Test func everyNotifyFieldIsCappedAndNamed() {
        let host = HostState()
        let cases: [(String, () throws -> Void)] = [
            ("kind", { _ = try host.notify(kind: Self.text(HostLimits.wordBytes + 1), agentID: nil, message: nil, payload: nil) }),
            ("agent_id", { _ = try host.notify(kind: nil, agentID: Self.text(HostLimits.idBytes + 1), message: nil, payload: nil) }),
            ("message", { _ = try host.notify(kind: nil, agentID: nil, message: Self.text(HostLimits.textBytes + 1), payload: nil) }),
            ("payload", { _ = try host.notify(kind: nil, agentID: nil, message: nil,
                                              payload: ["blob": .string(Self.text(HostLimits.jsonBytes))]) }),
        ]
        for (field, call) in cases {
            let error = refusal(call)
            #expect(error?.kind == .invalid, "\(field)")
            #expect(error?.description.hasPrefix("\(field) is ") == true, "\(String(describing: error))")
            #expect(error?.description.contains("the limit is") == true)
        }
        #expect(host.events(limit: 10).isEmpty, "nothing refused was kept")
        // At the cap is fine; multi-byte text counts its UTF-8 bytes.
        #expect(refusal { _ = try host.notify(kind: nil, agentID: nil, message: Self.text(HostLimits.textBytes), payload: nil) } == nil)
        let accents = String(repeating: "é", count: HostLimits.textBytes / 2 + 1)
        #expect(refusal { _ = try host.notify(kind: nil, agentID: nil, message: accents, payload: nil) }?.kind == .invalid)
    }

    @Test func clientsCannotUseDaemonEventKinds() throws {
        let host = HostState()
        for kind in ["approval.resolved", "agent.status_changed", "device.registered", "a2ui.action", " Approval.Requested "] {
            let error = refusal { _ = try host.notify(kind: kind, agentID: nil, message: nil, payload: nil) }
            #expect(error?.kind == .invalid, "\(kind)")
            #expect(error?.description.hasPrefix("kind '\(kind)' is a daemon event kind") == true)
        }
        #expect(host.events(limit: 10).isEmpty)
        // The reference's default and any other namespace are delivered exactly as sent.
        #expect(try host.notify(kind: nil, agentID: nil, message: nil, payload: nil).kind == "host.notification")
        #expect(try host.notify(kind: "host.notification", agentID: nil, message: nil, payload: nil).kind == "host.notification")
        #expect(try host.notify(kind: "build.finished", agentID: nil, message: nil, payload: nil).kind == "build.finished")
        #expect(try host.notify(kind: "approvals", agentID: nil, message: nil, payload: nil).kind == "approvals")
    }

    @Test func agentDeviceStatusAndApprovalFieldsAreCapped() throws {
        let host = HostState()
        let big = Self.text(HostLimits.jsonBytes)
        func register(name: String = "n", kind: String = "k", capabilities: [String] = [], project: String? = nil,
                      metadata: JSONValue? = nil) throws(HostError) {
            _ = try host.registerAgent(id: "a", name: name, kind: kind, capabilities: capabilities, project: project, pid: nil,
                                       display: nil, metadata: metadata, session: "s")
        }
        #expect(refusal { try register(name: Self.text(HostLimits.nameBytes + 1)) }?.description.hasPrefix("name is") == true)
        #expect(refusal { try register(kind: Self.text(HostLimits.wordBytes + 1)) }?.description.hasPrefix("kind is") == true)
        #expect(refusal { try register(project: Self.text(HostLimits.longTextBytes + 1)) }?.description.hasPrefix("project is") == true)
        #expect(refusal { try register(metadata: ["m": .string(big)]) }?.description.hasPrefix("metadata is") == true)
        #expect(refusal { try register(capabilities: Array(repeating: "c", count: HostLimits.maxCapabilities + 1)) }?
            .description.hasPrefix("capabilities has 65 entries") == true)
        #expect(refusal { try register(capabilities: ["ok", Self.text(HostLimits.wordBytes + 1)]) }?
            .description.hasPrefix("capabilities[1] is") == true)
        #expect(host.agents.isEmpty)

        try register()
        #expect(refusal { _ = try host.setStatus(agentID: "a", status: "running", currentTask: nil, message: nil,
                                                 payload: ["p": .string(big)], session: "s") }?.description.hasPrefix("payload is") == true)
        #expect(refusal { _ = try host.setStatus(agentID: "a", status: "running", currentTask: nil,
                                                 message: Self.text(HostLimits.textBytes + 1), payload: nil, session: "s") }?
            .description.hasPrefix("message is") == true)
        #expect(host.agent("a")?.status == "idle", "a refused status change changes nothing")

        #expect(refusal { _ = try host.registerDevice(id: nil, name: "d", platform: Self.text(HostLimits.wordBytes + 1),
                                                      capabilities: [], status: nil, metadata: nil, session: "s") }?
            .description.hasPrefix("platform is") == true)
        _ = try host.registerDevice(id: "d", name: "d", platform: "ios", capabilities: [], status: nil, metadata: nil, session: "s")
        #expect(refusal { _ = try host.updateDevice(id: "d", name: nil, platform: nil, capabilities: nil, status: nil,
                                                    metadata: ["m": .string(big)], session: "s") }?.description.hasPrefix("metadata is") == true)
        #expect(refusal { _ = try host.requestApproval(agentID: nil, title: Self.text(HostLimits.textBytes + 1), description: nil,
                                                       context: nil, action: nil, requiredApprovals: 1, session: "s") }?
            .description.hasPrefix("title is") == true)
        #expect(refusal { _ = try host.requestApproval(agentID: nil, title: "t", description: nil, context: ["c": .string(big)],
                                                       action: nil, requiredApprovals: 1, session: "s") }?
            .description.hasPrefix("context is") == true)
    }

    @Test func oneConnectionsHostStateIsCappedInAll() throws {
        let host = HostState()
        let metadata: JSONValue = ["m": .string(Self.text(HostLimits.jsonBytes - 16))]
        var registered = 0
        var refused: HostError?
        while registered < 1000 {
            do {
                _ = try host.registerAgent(id: "a\(registered)", name: "n", kind: "k", capabilities: [], project: nil, pid: nil,
                                           display: metadata, metadata: metadata, session: "hog")
                registered += 1
            } catch {
                refused = error
                break
            }
        }
        #expect(refused?.kind == .capacity)
        #expect(refused?.description.contains("the limit is \(HostLimits.clientBytes)") == true)
        #expect(host.bytesHeld(by: "hog") <= HostLimits.clientBytes)
        #expect(registered > 8 && registered < 1000)
        // Another connection is unaffected; removing a row gives its bytes back.
        _ = try host.registerAgent(id: "b", name: "n", kind: "k", capabilities: [], project: nil, pid: nil, display: metadata,
                                   metadata: metadata, session: "other")
        let before = host.bytesHeld(by: "hog")
        #expect(try host.unregisterAgent("a0", session: "hog"))
        #expect(host.bytesHeld(by: "hog") < before)
        _ = try host.registerAgent(id: "again", name: "n", kind: "k", capabilities: [], project: nil, pid: nil,
                                   display: metadata, metadata: metadata, session: "hog")
        host.sessionClosed("hog")
        #expect(host.bytesHeld(by: "hog") == 0)
    }

    @Test func expiredGatedRowsAreEvictableSoTimedOutCallsNeverFillTheTable() async throws {
        let host = HostState(eventCapacity: 1)
        for index in 0..<(HostState.maxApprovals + 50) {
            let approval = try host.requestApproval(agentID: nil, title: "t", description: nil, context: nil,
                                                    action: "ws.method:mail.send", requiredApprovals: 1, session: nil,
                                                    raisedBy: "c\(index % 3)")
            #expect(await host.waitForResolution(id: approval.id, timeout: .zero) == false)
        }
        #expect(host.approvals.count == HostState.maxApprovals)
        #expect(host.approvals.allSatisfy { $0.status == "expired" })
        #expect(host.waiterCount == 0)
    }
}

@Suite("Host state: approval table bytes")
struct ApprovalTableBytesTests {
    @Test func decidedRowsAreEvictedOnceTheTableHoldsItsByteBudget() throws {
        let host = HostState(eventCapacity: 1)
        let context: JSONValue = ["c": .string(String(repeating: "x", count: HostLimits.jsonBytes - 16))]
        let description = String(repeating: "d", count: HostLimits.longTextBytes)
        // Each row is about 32 KiB: raised and decided by one client, again and again.
        for index in 0..<2000 {
            let approval = try host.requestApproval(agentID: nil, title: "t\(index)", description: description, context: context,
                                                    action: nil, requiredApprovals: 1, session: "s")
            _ = try host.resolveApproval(id: approval.id, approved: true, notes: nil, session: "s")
        }
        let rows = host.approvals
        let held = rows.reduce(0) { $0 + HostLimits.footprint($1) }
        #expect(held <= HostState.maxApprovalTableBytes)
        #expect(rows.count < 2000 && rows.count > 500)
        #expect(rows.last?.title == "t1999", "the newest rows are kept")
    }
}

@Suite("Host state: event log bytes")
struct EventLogBytesTests {
    @Test func largeEventsPushOldOnesOutWithinTheByteBudget() throws {
        let host = HostState(eventCapacity: 100_000)
        let payload: JSONValue = ["blob": .string(String(repeating: "x", count: HostLimits.jsonBytes - 16))]
        let total = 2 * HostState.maxEventLogBytes / HostLimits.jsonBytes
        for index in 0..<total { _ = try host.notify(kind: nil, agentID: nil, message: "m\(index)", payload: payload) }
        let kept = host.events(limit: 100_000)
        let bytes = kept.reduce(0) { $0 + HostEventLog.size(of: $1) }
        #expect(bytes <= HostState.maxEventLogBytes)
        #expect(kept.count < total && kept.count > total / 4)
        #expect(kept.last?.message == "m\(total - 1)")
        #expect(kept.map(\.seq) == Array(kept.first!.seq...kept.last!.seq), "contiguous, oldest first")
    }
}
