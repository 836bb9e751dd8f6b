import CarGenerated
import CarHost
import CarRPC
import CarSupervisor
import Glibc

extension CarHandler {
    public func hostSubscribe(
        _ params: CarMethods.HostSubscribe.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostSubscribe.Result {
        state.subscribeToHostEvents(context.session)
        let host = state.host
        // Read from what the supervisor found at boot: asking never takes the lock.
        let manifest: (path: JSONValue, role: String) = state.supervisor.map { supervisor in
            (.string(supervisor.manifestPath), supervisor.role == .owner ? "owner" : "observer")
        } ?? (.null, "none")
        return [
            "subscribed": true,
            "agents": .array(host.agents.map(\.json)),
            "devices": .array(host.devices.map(\.json)),
            "approvals": .array(host.approvals.map(\.json)),
            "events": .array(host.events(limit: 100).map(\.json)),
            "identity": ["version": .string(CarSpecInfo.serverVersion), "pid": .int(Int64(getpid())),
                         "manifest_path": manifest.path, "manifest_role": .string(manifest.role)],
        ]
    }

    public func hostAgents(
        _ params: CarMethods.HostAgents.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostAgents.Result {
        state.host.agents.map(\.json)
    }

    public func hostRegisterAgent(
        _ params: CarMethods.HostRegisterAgent.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostRegisterAgent.Result {
        try Self.host {
            try state.host.registerAgent(id: params.id, name: params.name, kind: params.kind, capabilities: params.capabilities ?? [],
                                         project: params.project, pid: params.pid, display: params.display, metadata: params.metadata,
                                         session: context.session.clientID).json
        }
    }

    public func hostUnregisterAgent(
        _ params: CarMethods.HostUnregisterAgent.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostUnregisterAgent.Result {
        .init(ok: try Self.host { try state.host.unregisterAgent(params.agentId, session: context.session.clientID) })
    }

    public func hostSetStatus(
        _ params: CarMethods.HostSetStatus.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostSetStatus.Result {
        try Self.host {
            try state.host.setStatus(agentID: params.agentId, status: params.status.rawValue, currentTask: params.currentTask,
                                     message: params.message, payload: params.payload, session: context.session.clientID).json
        }
    }

    public func hostEvents(
        _ params: CarMethods.HostEvents.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostEvents.Result {
        .init(events: state.host.events(limit: params.limit ?? 100).map(\.json))
    }

    public func hostApprovals(
        _ params: CarMethods.HostApprovals.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostApprovals.Result {
        .init(approvals: state.host.approvals.map(\.json))
    }

    public func hostNotify(
        _ params: CarMethods.HostNotify.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostNotify.Result {
        try Self.host {
            try state.host.notify(kind: params.kind, agentID: params.agentId, message: params.message, payload: params.payload).json
        }
    }

    public func hostRequestApproval(
        _ params: CarMethods.HostRequestApproval.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostRequestApproval.Result {
        try Self.host {
            try state.host.requestApproval(agentID: params.agentId, title: params.title, description: params.description,
                                           context: params.context, action: nil, requiredApprovals: params.requiredApprovals ?? 1,
                                           session: context.session.clientID).json
        }
    }

    public func hostResolveApproval(
        _ params: CarMethods.HostResolveApproval.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostResolveApproval.Result {
        let approved: Bool
        switch (params.approved, params.resolution?.lowercased()) {
        case (let flag?, _): approved = flag
        case (nil, "approve"?), (nil, "approved"?): approved = true
        case (nil, "deny"?), (nil, "denied"?), (nil, "reject"?): approved = false
        default: throw CarErrors.invalidParams("give approved (true/false) or resolution (\"approve\"/\"deny\")")
        }
        // Who may decide is a domain fact (HostState): it needs the resolver's host-role standing.
        let gate = context.session.gate
        let role: HostRoleStatus = !gate.hostRoleEnforced ? .notIssued : gate.snapshot.role == .host ? .held : .notHeld
        return try Self.host {
            try state.host.resolveApproval(id: params.approvalId, approved: approved, notes: params.notes,
                                           session: context.session.clientID, role: role).json
        }
    }

    public func hostDevices(
        _ params: CarMethods.HostDevices.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostDevices.Result {
        state.host.devices.map(\.json)
    }

    public func hostRegisterDevice(
        _ params: CarMethods.HostRegisterDevice.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostRegisterDevice.Result {
        try Self.host {
            try state.host.registerDevice(id: params.id, name: params.name, platform: params.platform, capabilities: params.capabilities ?? [],
                                          status: params.status, metadata: params.metadata, session: context.session.clientID).json
        }
    }

    public func hostUpdateDevice(
        _ params: CarMethods.HostUpdateDevice.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.HostUpdateDevice.Result {
        try Self.host {
            try state.host.updateDevice(id: params.deviceId, name: params.name, platform: params.platform, capabilities: params.capabilities,
                                        status: params.status, metadata: params.metadata, session: context.session.clientID).json
        }
    }

    public func admissionStatus(
        _ params: CarMethods.AdmissionStatus.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AdmissionStatus.Result {
        let status = state.admission.status
        return .init(envOverride: state.config.inferencePermitsOverride, permitsAvailable: status.available,
                     permitsInUse: status.inUse, permitsTotal: status.total)
    }

    /// Host-state refusals on the wire: the ownership rule (and who may decide an approval) is
    /// -32002 (forbidden) with its message; anything else the caller asked for wrongly, a field
    /// over its byte cap or a full table included, is -32602.
    static func host<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HostError {
            switch error.kind {
            case .notOwner: throw CarErrors.forbidden(error.description)
            default: throw CarErrors.invalidParams(error.description)
            }
        }
    }
}
