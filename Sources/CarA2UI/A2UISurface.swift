import CarJSON

/// One surface as the store holds it: the header fixed at creation, the flat component map
/// (in order of first arrival), the data model, the owner and its clock.
public struct A2UISurface: Sendable {
    public let header: A2UISurfaceHeader
    public internal(set) var components: [String: [String: JSONValue]] = [:]
    /// Component ids in order of first arrival, so every reader sees one stable order.
    public internal(set) var order: [String] = []
    /// Each component's references, kept from its check for the tree walks.
    var links: [String: [A2UILink]] = [:]
    /// Encoded bytes of each component, and their sum and the data model's, for the limits.
    var bytesOf: [String: Int] = [:]
    var componentBytes = 0
    var dataModelBytes = 2
    var byteCount: Int { componentBytes &+ dataModelBytes }
    public internal(set) var dataModel: JSONValue = .object([:])
    public internal(set) var owner: A2UISurfaceOwner?
    /// 1 on creation, one more per accepted message.
    public internal(set) var revision: Int64 = 1
    public let createdMicros: Int64
    public internal(set) var updatedMicros: Int64
    public internal(set) var expiresMicros: Int64
    /// Distinguishes this surface from an earlier one of the same id (deleted, recreated), so
    /// a check made outside the store's lock is never committed to the wrong one.
    let incarnation: UInt64

    init(header: A2UISurfaceHeader, owner: A2UISurfaceOwner?, now: Int64, ttlMicros: Int64, incarnation: UInt64) {
        self.header = header
        self.owner = owner
        self.createdMicros = now
        self.updatedMicros = now
        self.expiresMicros = now &+ ttlMicros
        self.incarnation = incarnation
    }

    public var id: String { header.surfaceID }

    /// This surface at this revision: what a change decided on one drawing of it may expect.
    public var version: A2UISurfaceVersion { A2UISurfaceVersion(incarnation: incarnation, revision: revision) }

    /// Worked out when components change (`A2UISurfaceStore`'s commit), not on every read.
    public internal(set) var diagnostics = A2UIDiagnostics(missingRoot: true, danglingReferences: [], unreachable: [])

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "surfaceId": .string(header.surfaceID),
            "catalogId": .string(header.catalogID),
            "sendDataModel": .bool(header.sendDataModel),
            "components": .array(order.map { .object(components[$0]!) }),
            "dataModel": dataModel,
            "owner": owner?.json ?? .null,
            "revision": .int(revision),
            "createdAt": .string(RFC3339.format(micros: createdMicros)),
            "updatedAt": .string(RFC3339.format(micros: updatedMicros)),
            "expiresAt": .string(RFC3339.format(micros: expiresMicros)),
            "diagnostics": diagnostics.json,
        ]
        if let theme = header.theme { object["theme"] = .object(theme) }
        return .object(object)
    }
}

/// What a progressively built tree still lacks. Missing pieces are allowed while a surface
/// streams in; a surface whose creating payload is complete has none.
public struct A2UIDiagnostics: Sendable, Equatable {
    public var missingRoot: Bool
    /// (component, the id it names that has not arrived).
    public var danglingReferences: [(componentID: String, reference: String)]
    /// Components that no path from root reaches (empty while root is missing).
    public var unreachable: [String]

    public var isComplete: Bool { !missingRoot && danglingReferences.isEmpty && unreachable.isEmpty }

    public static func == (a: A2UIDiagnostics, b: A2UIDiagnostics) -> Bool {
        a.missingRoot == b.missingRoot && a.unreachable == b.unreachable
            && a.danglingReferences.elementsEqual(b.danglingReferences) { $0 == $1 }
    }

    public var json: JSONValue {
        ["missingRoot": .bool(missingRoot),
         "danglingReferences": .array(danglingReferences.map { ["componentId": .string($0.componentID), "reference": .string($0.reference)] }),
         "unreachable": .array(unreachable.map { .string($0) })]
    }
}

/// One surface (not an earlier one of the same id) at one revision.
public struct A2UISurfaceVersion: Sendable, Equatable {
    let incarnation: UInt64
    public let revision: Int64
}
