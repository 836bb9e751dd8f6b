import CarJSON

/// Bounds on what agents may put in the store, reported by `a2ui.capabilities`. The store is
/// shared by every connection and lives past them, so each dimension a client controls is
/// capped on the way in; a message past a cap is refused whole (`LimitExceeded`), never cut.
public struct A2UILimits: Sendable, Equatable {
    /// Surfaces held at once.
    public var maxSurfaces = 256
    /// Components one surface may hold (and one message may carry).
    public var maxComponents = 5_000
    /// Levels of the component tree below `root`, and nesting of any JSON value in a message
    /// (the message itself is level 1): the official validator's own bounds.
    public var maxDepth = 50
    /// Encoded bytes of one message.
    public var maxMessageBytes = 1 << 20
    /// Encoded bytes of one surface's data model.
    public var maxDataModelBytes = 1 << 20
    /// Encoded bytes of one surface's components.
    public var maxSurfaceBytes = 4 << 20
    /// Encoded bytes of every surface together (components and data models).
    public var maxStoreBytes = 64 << 20
    /// UTF-8 bytes of any one string in a message (text, URLs, data-model strings).
    public var maxStringBytes = 64 << 10
    /// UTF-8 bytes of a surface or component id.
    public var maxIDBytes = 8_192
    /// How long a surface lives after its last accepted message (`CAR_A2UI_TTL`).
    public var surfaceTTLSeconds: Int64 = 3_600
    /// Envelopes one `a2ui.ingest` payload may carry.
    public var maxEnvelopesPerIngest = 64

    public init() {}

    public var json: JSONValue {
        ["maxSurfaces": .int(Int64(maxSurfaces)), "maxComponentsPerSurface": .int(Int64(maxComponents)),
         "maxDepth": .int(Int64(maxDepth)), "maxMessageBytes": .int(Int64(maxMessageBytes)),
         "maxDataModelBytes": .int(Int64(maxDataModelBytes)), "maxSurfaceBytes": .int(Int64(maxSurfaceBytes)),
         "maxStoreBytes": .int(Int64(maxStoreBytes)), "maxStringBytes": .int(Int64(maxStringBytes)),
         "maxIdBytes": .int(Int64(maxIDBytes)), "surfaceTtlSeconds": .int(surfaceTTLSeconds),
         "maxEnvelopesPerIngest": .int(Int64(maxEnvelopesPerIngest))]
    }
}
