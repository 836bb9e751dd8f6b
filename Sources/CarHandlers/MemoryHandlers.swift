import CarGenerated
import CarIO
import CarMemory
import CarRPC

extension CarHandler {
    public func memoryAddFact(
        _ params: CarMethods.MemoryAddFact.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryAddFact.Result {
        try await Self.memoryWrite(context) { memory in
            try memory.addFact(subject: params.subject, body: params.body, kind: params.kind ?? "pattern",
                               confidence: params.confidence ?? 1.0, id: params.factId, tags: params.tags ?? [], source: params.source)
        }
    }

    public func memoryFactCount(
        _ params: CarMethods.MemoryFactCount.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryFactCount.Result {
        context.session.effectiveMemory().factCount
    }

    public func memoryDelete(
        _ params: CarMethods.MemoryDelete.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryDelete.Result {
        if ProactiveStatusSlots.isStatusID(params.id),
           context.session.proactiveStatus.withLock({ $0.clear(id: params.id) }) {
            // The private status slot: session-local, never a graph fact. An id of that form
            // that is no slot falls through, so a fact stored under it can still be deleted.
            return .init(deleted: true, factCount: context.session.effectiveMemory().factCount, id: params.id, kind: "status")
        }
        return try await Self.memoryWrite(context) { memory in
            let kind = memory.fact(id: params.id)?.kind
            let deleted = memory.delete(id: params.id)
            return .init(deleted: deleted, factCount: memory.factCount, id: params.id, kind: kind)
        }
    }

    public func memorySaveKnowledge(
        _ params: CarMethods.MemorySaveKnowledge.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemorySaveKnowledge.Result {
        try await Self.save(.knowledge, params, context)
    }

    public func memorySaveProcedural(
        _ params: CarMethods.MemorySaveProcedural.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemorySaveProcedural.Result {
        try await Self.save(.procedural, .init(body: params.body, confidence: params.confidence, id: params.id, isConstraint: params.isConstraint,
                                          subject: params.subject, tags: params.tags, tenantId: params.tenantId), context)
    }

    public func memoryConsolidate(
        _ params: CarMethods.MemoryConsolidate.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryConsolidate.Result {
        // A scan of every fact and skill: on the blocking pool, as the gate is.
        let events = try context.session.runtime().eventLog
        let report = try await Self.memoryWrite(offLoop: context) { memory in
            let report = memory.consolidate()
            Self.record(report.gate, in: events)
            return report
        }
        return .init(candidatesPromoted: report.candidatesPromoted, candidatesRejected: report.candidatesRejected,
                     factsAfter: report.factsAfter, factsBefore: report.factsBefore,
                     groups: report.groups.map { .init(kept: $0.kept, removed: $0.removed) }, merged: report.merged)
    }

    public func memoryQuery(
        _ params: CarMethods.MemoryQuery.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryQuery.Result {
        context.session.effectiveMemory().query(params.query, k: params.k ?? 5).map {
            .init(body: $0.fact.body, confidence: $0.score, id: $0.fact.id, kind: $0.fact.kind, subject: $0.fact.subject)
        }
    }

    public func memoryBuildContext(
        _ params: CarMethods.MemoryBuildContext.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryBuildContext.Result {
        context.session.effectiveMemory().buildContext(query: params.query, modelContextWindow: params.modelContextWindow)
    }

    public func memoryPersist(
        _ params: CarMethods.MemoryPersist.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryPersist.Result {
        let path = try await Self.sandboxed(params.path, context, method: "memory.persist", creatingParents: true)
        // The whole effective graph, never a subset: on an unbound session in the default mode
        // that is the daemon's shared graph, every unbound client's facts and skills together.
        let memory = context.session.effectiveMemory()
        do {
            // Serializing the graph and the write with its fsync happen on the blocking pool.
            return try await context.session.blockingPool.run { try memory.persist(to: path) }
        } catch {
            throw CarErrors.internalError("memory.persist \(params.path): \(error)")
        }
    }

    public func memoryLoad(
        _ params: CarMethods.MemoryLoad.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryLoad.Result {
        let path = try await Self.sandboxed(params.path, context, method: "memory.load", creatingParents: false)
        let requested = params.path
        do {
            // A full replace of the effective graph (reset, then the file's facts and skills):
            // on an unbound session in the default mode that is the daemon's shared graph, so
            // every unbound client loses what it had there, as the protocol says. The file is
            // read and parsed on the blocking pool; on a bound graph the load is then one `reset`
            // line of its log, holding the whole loaded graph. A file that cannot be read or
            // parsed resets nothing.
            return try await context.session.writeMemory(offLoop: { memory in
                do {
                    return try memory.load(from: path)
                } catch {
                    throw CarErrors.invalidParams("memory.load \(requested): \(error)")
                }
            })
        } catch {
            throw Self.memoryWriteError(error)
        }
    }

    // MARK: Shared steps

    /// A write to the session's memory, on disk (in the graph's log) before the reply when the
    /// session is bound to a daemon-owned graph; domain refusals (a full graph) are the caller's problem, -32602.
    static func memoryWrite<T>(_ context: RPCContext<ClientSession>, _ body: (MemoryEngine) throws -> T) async throws -> T {
        do {
            return try await context.session.writeMemory(body)
        } catch {
            throw memoryWriteError(error)
        }
    }

    /// `memoryWrite` for a body that scans the graph: it runs on the blocking pool.
    static func memoryWrite<T: Sendable>(offLoop context: RPCContext<ClientSession>,
                                         _ body: @escaping @Sendable (MemoryEngine) throws -> T) async throws -> T {
        do {
            return try await context.session.writeMemory(offLoop: body)
        } catch {
            throw memoryWriteError(error)
        }
    }

    /// The daemon's own failures (a log that cannot be written, a saturated pool) are
    /// -32603; anything else the write refused is the caller's, -32602.
    static func memoryWriteError(_ error: any Error) -> any Error {
        switch error {
        case let error as RPCError: error
        case let error as MemoryScopes.Failure: CarErrors.internalError(error.description)
        case let error as BlockingPoolError: CarErrors.internalError(error.description)
        default: CarErrors.invalidParams(String(describing: error))
        }
    }

    /// The path resolved inside the sandbox; its realpath, stat and mkdir calls run on the pool.
    static func sandboxed(_ path: String, _ context: RPCContext<ClientSession>, method: String, creatingParents: Bool) async throws -> String {
        do {
            return try await context.session.sandboxedMemoryPath(path, creatingParents: creatingParents)
        } catch let refusal as MemorySandbox.Refusal {
            throw CarErrors.invalidParams("\(method) \(refusal)")
        } catch {
            throw CarErrors.internalError("\(method): \(error)")
        }
    }

    private enum SavedKind: String { case knowledge, procedural }

    private static func save(
        _ kind: SavedKind, _ params: CarMethods.MemorySaveKnowledge.Params, _ context: RPCContext<ClientSession>
    ) async throws -> CarSchemas.SavedMemory {
        try await memoryWrite(context) { memory in
            // Saving under an existing id replaces that entry (adding with a held id does), so
            // re-saving is idempotent; one change, so a logged graph writes one line.
            var tags = params.tags ?? []
            if params.isConstraint == true, !tags.contains("constraint") { tags.append("constraint") }
            let saved = try memory.insertFact(subject: params.subject, body: params.body, kind: kind.rawValue,
                                              confidence: Self.confidence(params.confidence), id: params.id, tags: tags,
                                              source: params.tenantId.map { "tenant:\($0)" })
            return .init(factCount: saved.count, id: saved.id, kind: kind == .knowledge ? .knowledge : .procedural)
        }
    }

    /// The protocol carries confidence as a label here; numbers are accepted too.
    private static func confidence(_ label: String?) -> Double {
        switch label?.lowercased() {
        case nil: 1.0
        case "high": 0.9
        case "medium": 0.6
        case "low": 0.3
        case let text?: Double(text).map { min(1, max(0, $0)) } ?? 1.0
        }
    }
}
