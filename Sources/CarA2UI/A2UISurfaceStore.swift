import CarJSON
import Synchronization

/// The process-wide surface store (the seed's `A2uiSurfaceStore`). Every message is checked
/// whole before anything changes, so a refused message leaves every surface as it was. The
/// catalog checks of a large `updateComponents` run outside the lock; the commit re-checks that
/// the surface is the same one (not deleted and recreated meanwhile).
public final class A2UISurfaceStore: Sendable {
    public let limits: A2UILimits
    private let parser: A2UIMessageParser
    private let clock: @Sendable () -> Int64
    private let state = Mutex(State())

    private struct State {
        var surfaces: [String: A2UISurface] = [:]
        /// A2A continuation credentials by surface id, never part of a surface.
        var routes: [String: A2UIRoute] = [:]
        var incarnations: UInt64 = 0
        /// Encoded bytes of every surface's components and data model (`maxStoreBytes`).
        var totalBytes = 0

        /// Removes a surface with its route and its share of the byte count.
        mutating func remove(_ id: String) {
            guard let surface = surfaces.removeValue(forKey: id) else { return }
            routes[id] = nil
            totalBytes &-= surface.byteCount
        }
    }

    /// `clock` answers microseconds since the epoch (tests move it to expire surfaces).
    public init(limits: A2UILimits = A2UILimits(), clock: @escaping @Sendable () -> Int64 = { RFC3339.nowMicros() }) {
        self.limits = limits
        self.parser = A2UIMessageParser(limits: limits)
        self.clock = clock
    }

    private var ttlMicros: Int64 { limits.surfaceTTLSeconds &* 1_000_000 }

    /// Encoded bytes the store holds (components and data models of every surface).
    var totalBytes: Int { state.withLock { $0.totalBytes } }

    /// Checks and applies one message. `owner` is recorded on a surface this message creates.
    public func apply(_ envelope: JSONValue, owner: A2UISurfaceOwner?) throws(A2UIError) -> A2UIApplyResult {
        try commit(try prepare(envelope, owner: owner))
    }

    /// Everything about a message that needs no lock: its shape, its catalog's checks of every
    /// component. A caller that orders commits (so subscribers see them in order) keeps this
    /// work outside its own lock.
    public func prepare(_ envelope: JSONValue, owner: A2UISurfaceOwner?, expecting expected: A2UISurfaceVersion? = nil) throws(A2UIError) -> A2UIPreparedMessage {
        switch try parser.parse(envelope) {
        case .createSurface(let header):
            guard A2UICatalog.all[header.catalogID] != nil else {
                throw A2UIError(.unsupportedCatalog, "catalog \(header.catalogID) is not one this daemon renders (\(A2UICatalog.all.keys.sorted().joined(separator: ", ")))",
                                path: "/createSurface/catalogId", surfaceID: header.surfaceID)
            }
            if let theme = header.theme { try A2UITheme.check(theme, surfaceID: header.surfaceID) }
            return A2UIPreparedMessage(step: .create(header, owner: owner))
        case .updateComponents(let surfaceID, let components):
            return A2UIPreparedMessage(step: try checkComponents(surfaceID, components, expected: expected))
        case .updateDataModel(let surfaceID, let path, let value):
            let tokens: [String]
            do {
                tokens = try A2UIPointer.tokens(path)
            } catch {
                throw error.at("/updateDataModel").on(surfaceID)
            }
            // The model's nesting is the path's plus the value's: bound it as the message's is,
            // so no later reply or broadcast of the model is deeper than a client can parse.
            let depth = tokens.count + (value.map(A2UIBounds.depth) ?? 0)
            guard depth <= limits.maxDepth else {
                throw A2UIError(.limitExceeded, "the data model would nest \(depth) levels deep at \(path.prefix(64)); the limit is \(limits.maxDepth)",
                                path: "/updateDataModel/path", surfaceID: surfaceID)
            }
            return A2UIPreparedMessage(step: .dataModel(surfaceID, tokens: tokens, pointer: path, value: value))
        case .deleteSurface(let surfaceID):
            return A2UIPreparedMessage(step: .delete(surfaceID))
        }
    }

    /// Applies a prepared message, or refuses it with nothing changed.
    public func commit(_ prepared: A2UIPreparedMessage) throws(A2UIError) -> A2UIApplyResult {
        switch prepared.step {
        case .create(let header, let owner): return try create(header, owner: owner)
        case .update(let surfaceID, let incarnation, let checked, let expected):
            return try update(surfaceID, incarnation: incarnation, checked, expected: expected)
        case .dataModel(let surfaceID, let tokens, let pointer, let value):
            return try updateDataModel(surfaceID, tokens: tokens, pointer: pointer, value: value)
        case .delete(let surfaceID): return try delete(surfaceID)
        }
    }

    public func surface(_ id: String) -> A2UISurface? {
        let now = clock()
        return state.withLock { $0.surfaces[id] }.flatMap { $0.expiresMicros > now ? $0 : nil }
    }

    /// Live surfaces, oldest first.
    public func surfaces() -> [A2UISurface] {
        let now = clock()
        return state.withLock { Array($0.surfaces.values) }
            .filter { $0.expiresMicros > now }
            .sorted { ($0.createdMicros, $0.id) < ($1.createdMicros, $1.id) }
    }

    /// Removes expired surfaces with their route credentials; answers their ids.
    @discardableResult
    public func reap() -> [String] {
        let now = clock()
        return state.withLock { state in Self.reap(&state, now: now) }
    }

    /// Records where a surface's actions continue and with what credential.
    public func setRoute(_ route: A2UIRoute, for surfaceID: String) {
        state.withLock { state in
            guard state.surfaces[surfaceID] != nil else { return }
            state.routes[surfaceID] = route
        }
    }

    /// Sets the owner of a live surface.
    public func setOwner(_ owner: A2UISurfaceOwner, for surfaceID: String) {
        state.withLock { $0.surfaces[surfaceID]?.owner = owner }
    }

    /// The route of a live surface.
    public func route(for surfaceID: String) -> A2UIRoute? {
        let now = clock()
        return state.withLock { state in
            guard let surface = state.surfaces[surfaceID], surface.expiresMicros > now else { return nil }
            return state.routes[surfaceID]
        }
    }

    /// Gives a surface an A2A peer's task as its owner, with the route its actions continue on
    /// (`a2ui.ingest`): a surface no one owns, or one this owner already holds (one it just
    /// created). A surface a connection or another peer owns is never taken over, and a route
    /// once set is never replaced: a peer's payload that touches someone else's surface changes
    /// its components, never where its clicks (and their credential) go. Answers the surface as
    /// it now is (nil when it is gone).
    public func adopt(_ surfaceID: String, owner: A2UISurfaceOwner, route: A2UIRoute?) -> A2UISurface? {
        state.withLock { state in
            guard var surface = state.surfaces[surfaceID] else { return nil }
            guard surface.owner == nil || surface.owner == owner else { return surface }
            surface.owner = owner
            state.surfaces[surfaceID] = surface
            if let route, state.routes[surfaceID] == nil { state.routes[surfaceID] = route }
            return surface
        }
    }

    private static func reap(_ state: inout State, now: Int64) -> [String] {
        let expired = state.surfaces.values.filter { $0.expiresMicros <= now }.map(\.id).sorted()
        for id in expired { state.remove(id) }
        return expired
    }

    private func create(_ header: A2UISurfaceHeader, owner: A2UISurfaceOwner?) throws(A2UIError) -> A2UIApplyResult {
        let now = clock()
        let ttl = ttlMicros
        let limit = limits.maxSurfaces
        let result: Result<(A2UISurface, [String]), A2UIError> = state.withLock { state in
            var dropped: [String] = []
            if let existing = state.surfaces[header.surfaceID] {
                guard existing.expiresMicros <= now else {
                    return .failure(A2UIError(.surfaceExists, "surface \(header.surfaceID) exists; delete it before creating it again",
                                              path: "/createSurface/surfaceId", surfaceID: header.surfaceID))
                }
            }
            // Expired surfaces make room (the same id's among them) only when this one is taken.
            let full = state.surfaces.count >= limit && state.surfaces[header.surfaceID] == nil
            if full, !state.surfaces.values.contains(where: { $0.expiresMicros <= now }) {
                return .failure(A2UIError(.limitExceeded, "the store holds \(limit) surfaces, its limit; delete one first",
                                          path: "/createSurface", surfaceID: header.surfaceID))
            }
            if full {
                dropped = Self.reap(&state, now: now)
            } else if state.surfaces[header.surfaceID] != nil {
                state.remove(header.surfaceID)
                dropped = [header.surfaceID]
            }
            state.incarnations &+= 1
            let surface = A2UISurface(header: header, owner: owner, now: now, ttlMicros: ttl, incarnation: state.incarnations)
            state.surfaces[header.surfaceID] = surface
            state.totalBytes &+= surface.byteCount
            return .success((surface, dropped))
        }
        let (surface, dropped) = try result.get()
        return A2UIApplyResult(surfaceID: surface.id, deleted: false, surface: surface, dropped: dropped)
    }

    private func checkComponents(_ surfaceID: String, _ components: [[String: JSONValue]], expected: A2UISurfaceVersion?) throws(A2UIError) -> A2UIPreparedMessage.Step {
        let found = try live(surfaceID, action: "updateComponents")
        var checker = A2UIComponentChecker(catalog: A2UICatalog.all[found.header.catalogID]!)
        var checked: [A2UIPreparedMessage.CheckedComponent] = []
        checked.reserveCapacity(components.count)
        var seen = Set<String>()
        for (index, component) in components.enumerated() {
            let prefix = "/updateComponents/components/\(index)"
            let (id, links): (String, [A2UILink])
            do {
                (id, links) = try checker.check(component)
            } catch {
                throw error.at(prefix).on(surfaceID)
            }
            guard id.utf8.count <= limits.maxIDBytes else {
                throw A2UIError(.limitExceeded, "component id of \(id.utf8.count) bytes; the limit is \(limits.maxIDBytes)",
                                path: prefix + "/id", surfaceID: surfaceID)
            }
            guard seen.insert(id).inserted else {
                throw A2UIError(.invalidComponent, "component id \"\(id)\" appears twice in one message", path: prefix + "/id", surfaceID: surfaceID)
            }
            if let link = links.first(where: { $0.target == id }) {
                throw A2UIError(.invalidComponent, "component \"\(id)\" refers to itself", path: prefix + link.path, surfaceID: surfaceID)
            }
            checked.append((id, component, links, JSONWriter.encodedCount(.object(component))))
        }
        return .update(surfaceID, incarnation: expected?.incarnation ?? found.incarnation, checked, expected: expected)
    }

    private func update(_ surfaceID: String, incarnation: UInt64, _ checked: [A2UIPreparedMessage.CheckedComponent],
                        expected: A2UISurfaceVersion?) throws(A2UIError) -> A2UIApplyResult {
        let now = clock()
        let ttl = ttlMicros
        let limits = limits
        let result: Result<A2UISurface, A2UIError> = state.withLock { state in
            guard var surface = state.surfaces[surfaceID], surface.incarnation == incarnation, surface.expiresMicros > now else {
                return .failure(A2UIError(.surfaceNotFound, "surface \(surfaceID) was deleted while the update was checked",
                                          path: "/updateComponents/surfaceId", surfaceID: surfaceID))
            }
            if let expected, surface.revision != expected.revision {
                return .failure(A2UIError(.stale, "surface \(surfaceID) is at revision \(surface.revision), not \(expected.revision)",
                                          path: "/updateComponents/surfaceId", surfaceID: surfaceID))
            }
            let before = surface.byteCount
            for (id, component, links, bytes) in checked {
                if surface.components[id] == nil { surface.order.append(id) }
                surface.components[id] = component
                surface.links[id] = links
                surface.componentBytes &+= bytes &- (surface.bytesOf[id] ?? 0)
                surface.bytesOf[id] = bytes
            }
            guard surface.byteCount <= limits.maxSurfaceBytes else {
                return .failure(A2UIError(.limitExceeded, "the surface would hold \(surface.byteCount) bytes; the limit is \(limits.maxSurfaceBytes)",
                                          path: "/updateComponents/components", surfaceID: surfaceID))
            }
            guard state.totalBytes &- before &+ surface.byteCount <= limits.maxStoreBytes else {
                return .failure(A2UIError(.limitExceeded, "the store would hold more than \(limits.maxStoreBytes) bytes of surfaces; delete some first",
                                          path: "/updateComponents/components", surfaceID: surfaceID))
            }
            guard surface.order.count <= limits.maxComponents else {
                return .failure(A2UIError(.limitExceeded, "the surface would hold \(surface.order.count) components; the limit is \(limits.maxComponents)",
                                          path: "/updateComponents/components", surfaceID: surfaceID))
            }
            let tree = A2UITree(components: surface.components, order: surface.order, links: surface.links)
            let shape = tree.shape()
            if let cycle = shape.cycle {
                return .failure(A2UIError(.invalidComponent, "components form a cycle: \(cycle.joined(separator: " -> "))",
                                          path: "/updateComponents/components", surfaceID: surfaceID))
            }
            // Levels below root, as the validator counts them (root alone is 0).
            let depth = shape.rootHeight - 1
            guard depth <= limits.maxDepth else {
                return .failure(A2UIError(.limitExceeded, "the tree would reach \(depth) levels below root; the limit is \(limits.maxDepth)",
                                          path: "/updateComponents/components", surfaceID: surfaceID))
            }
            surface.diagnostics = tree.diagnostics()
            state.totalBytes = state.totalBytes &- before &+ surface.byteCount
            surface.touch(now: now, ttlMicros: ttl)
            state.surfaces[surfaceID] = surface
            return .success(surface)
        }
        let surface = try result.get()
        return A2UIApplyResult(surfaceID: surfaceID, deleted: false, surface: surface)
    }

    private func updateDataModel(_ surfaceID: String, tokens: [String], pointer: String, value: JSONValue?) throws(A2UIError) -> A2UIApplyResult {
        let now = clock()
        let ttl = ttlMicros
        let limit = limits.maxDataModelBytes
        let storeLimit = limits.maxStoreBytes
        // Written under the lock, so two updates of one model never lose each other's change;
        // the copy is bounded by the model's limit.
        let result: Result<A2UISurface, A2UIError> = state.withLock { state in
            guard var surface = state.surfaces[surfaceID], surface.expiresMicros > now else {
                return .failure(A2UIError(.surfaceNotFound, "surface \(surfaceID) does not exist; send createSurface first",
                                          path: "/updateDataModel/surfaceId", surfaceID: surfaceID))
            }
            let written: JSONValue?
            do throws(A2UIError) {
                written = try A2UIPointer.write(value, at: tokens[...], in: surface.dataModel, pointer: pointer)
            } catch {
                return .failure(error.at("/updateDataModel").on(surfaceID))
            }
            let model = written ?? .object([:])
            let size = JSONWriter.encodedCount(model)
            guard size <= limit else {
                return .failure(A2UIError(.limitExceeded, "the data model would be \(size) bytes; the limit is \(limit)",
                                          path: "/updateDataModel/value", surfaceID: surfaceID))
            }
            guard state.totalBytes &- surface.dataModelBytes &+ size <= storeLimit else {
                return .failure(A2UIError(.limitExceeded, "the store would hold more than \(storeLimit) bytes of surfaces; delete some first",
                                          path: "/updateDataModel/value", surfaceID: surfaceID))
            }
            state.totalBytes = state.totalBytes &- surface.dataModelBytes &+ size
            surface.dataModelBytes = size
            surface.dataModel = model
            surface.touch(now: now, ttlMicros: ttl)
            state.surfaces[surfaceID] = surface
            return .success(surface)
        }
        let surface = try result.get()
        return A2UIApplyResult(surfaceID: surfaceID, deleted: false, surface: surface)
    }

    private func delete(_ surfaceID: String) throws(A2UIError) -> A2UIApplyResult {
        let now = clock()
        // An expired surface is refused like a missing one and left for the reaper, so a
        // refused message changes nothing.
        let existed = state.withLock { state -> Bool in
            guard let surface = state.surfaces[surfaceID], surface.expiresMicros > now else { return false }
            state.remove(surfaceID)
            return true
        }
        guard existed else {
            throw A2UIError(.surfaceNotFound, "surface \(surfaceID) does not exist", path: "/deleteSurface/surfaceId", surfaceID: surfaceID)
        }
        return A2UIApplyResult(surfaceID: surfaceID, deleted: true, surface: nil)
    }

    private func live(_ surfaceID: String, action: String) throws(A2UIError) -> A2UISurface {
        guard let surface = surface(surfaceID) else {
            throw A2UIError(.surfaceNotFound, "surface \(surfaceID) does not exist; send createSurface first",
                            path: "/\(action)/surfaceId", surfaceID: surfaceID)
        }
        return surface
    }
}

extension A2UISurface {
    mutating func touch(now: Int64, ttlMicros: Int64) {
        revision &+= 1
        updatedMicros = max(updatedMicros, now)
        expiresMicros = updatedMicros &+ ttlMicros
    }
}
