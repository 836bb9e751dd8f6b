/// The generator's view of `spec/methods.json`, after validation. Renderers read only this.
struct Spec {
    var info: SpecInfo
    var methods: [SpecMethod]
    var schemas: [(name: String, schema: Schema)]
    var errors: [SpecError]
    /// A2A's own error codes (`#/components/a2aErrors`), which the A2A methods answer with; their
    /// numbers overlap CAR's (-32001 is A2A's TaskNotFound and CAR's AuthRequired), so they
    /// are a table of their own.
    var a2aErrors: [SpecError] = []
    var conformance: (authToken: String, hostToken: String)
    /// The file as read, for the OpenRPC export (components are copied through).
    var document: SpecJSON

    /// The code of a named error, from CAR's table or A2A's.
    func code(ofError name: String) -> Int? {
        (errors.first { $0.name == name } ?? a2aErrors.first { $0.name == name })?.code
    }
}

struct SpecInfo {
    var title: String
    /// This implementation's own version (`info.version`, also the OpenRPC document's).
    var version: String
    /// Which daemon implements the contract (`info.implementation`).
    var implementation: String
    /// The CAR release level implemented (`info.carRelease`): what `server.handshake` reports
    /// as `server_version`, which the official clients compare with their own version.
    var carRelease: String
    var description: String
    var wireProtocol: Int
    var supportedWireProtocols: [Int]
}

struct SpecError {
    var name: String
    var code: Int
    var message: String
    var description: String?
}

struct SpecMethod {
    enum Kind: String { case request, notification }
    enum Direction: String { case clientToServer, serverToClient }

    var index: Int
    var name: String
    var kind: Kind
    var direction: Direction
    var summary: String
    var description: String?
    var auth: String
    var approval: String
    var handshake: String
    var deadlineMs: Int?
    /// The handler is synchronous and runs on the event loop without a task (`"inline": true`).
    var inline: Bool
    var since: String?
    var deprecated: Bool
    var tags: [String]
    var errors: [String]
    /// nil: the method takes no params (absent, null and {} are all accepted).
    var params: Schema?
    /// nil for notifications.
    var result: Schema?
    var examples: [SpecExample]
    var typeName: String
    var functionName: String
    var paramsError: (error: String, prefix: String?)?
    /// The MCP tool name (`"mcpTool"`) the daemon's MCP endpoint offers this method under; nil
    /// when it is not a tool. Only client-to-server requests with object params may carry one,
    /// so adding a tool is one spec line (see `MCPToolRenderer`).
    var mcpTool: String? = nil
    /// The method changes nothing a later call could observe (`"readOnly"`): MCP's
    /// `readOnlyHint`. nil when the spec does not say, which is not the same as false.
    var readOnly: Bool? = nil
    /// The A2A operation this name is (`"a2a"`): the name is the wire name in its version.
    var a2a: SpecA2A? = nil

    /// False for A2A's streaming methods, which only the A2A HTTP listener serves (with SSE):
    /// the WebSocket answers them MethodNotFound, so they get no route and no handler.
    var servedOnWebSocket: Bool { !(a2a?.streams ?? false) }

    var pointer: String { "#/methods/\(index)" }
}

/// One A2A method name: which operation it is, in which protocol version.
struct SpecA2A {
    var operation: String
    var version: String
    var streams: Bool
}

struct SpecExample {
    var name: String
    var params: SpecJSON
    var result: SpecJSON?
    var resultKeys: [String]?
    /// The JSON type the result must have, for results that are not the same on every run
    /// (node ids, assembled text): "string", "integer", "number", "boolean", "array", "object".
    var resultType: String?
    /// Calls made on the same connection before the example, each of which must succeed:
    /// how an example shows state (a load after a persist, a report after an ingest).
    var before: [(method: String, params: SpecJSON)] = []
    var error: (code: Int, message: String?)?
    /// An error example whose params are well formed (the refusal comes after decoding, as
    /// for a method that needs an engine the daemon lacks): it may serve as the base of the
    /// bad-params cases when no example can succeed.
    var paramsValid = false
}

/// The JSON Schema subset the spec may use.
final class Schema {
    enum Kind {
        /// No type: any JSON value.
        case any
        case ref(String)
        case string(enumValues: [String]?)
        case integer
        case number
        case boolean
        case array(Schema)
        case object([SchemaProperty])
        /// An object used as a map: `additionalProperties` with a schema and no properties.
        case dictionary(Schema)
    }

    var kind: Kind
    var nullable: Bool
    var description: String?
    var minimum: Double?
    var maximum: Double?
    var pointer: String

    init(kind: Kind, nullable: Bool = false, description: String? = nil, minimum: Double? = nil, maximum: Double? = nil, pointer: String) {
        self.kind = kind
        self.nullable = nullable
        self.description = description
        self.minimum = minimum
        self.maximum = maximum
        self.pointer = pointer
    }
}

struct SchemaProperty {
    var name: String
    var schema: Schema
    var required: Bool
    /// `x-swift-name`: the member name when the wire name's own would collide (two spellings
    /// of one field, as `surfaceId` and `surface_id`).
    var swiftName: String? = nil

    var memberName: String { swiftName.map(SwiftNames.escaped) ?? SwiftNames.memberName(name) }
}
