/// A component catalog: the components a surface created on it may hold, and the functions
/// its bindings may call. Surfaces name their catalog once, at creation.
public struct A2UICatalog: Sendable {
    public let id: String
    public let components: [String: A2UIComponentType]
    /// Component names in the order the catalog lists them (for `a2ui.capabilities`).
    public let componentNames: [String]
    public let functions: [String: A2UIFunctionType]

    public init(id: String, components: [A2UIComponentType], functions: [A2UIFunctionType]) {
        self.id = id
        self.componentNames = components.map(\.name)
        self.components = Dictionary(uniqueKeysWithValues: components.map { ($0.name, $0) })
        self.functions = Dictionary(uniqueKeysWithValues: functions.map { ($0.name, $0) })
    }

    /// The catalogs this daemon renders, by id.
    public static let all: [String: A2UICatalog] = [basic.id: basic, car.id: car]
}

/// One component's schema. Every component also takes `id`, `component`, `weight` and
/// `accessibility`; `properties` holds the rest.
public struct A2UIComponentType: Sendable {
    public let name: String
    public let properties: [String: A2UIValueType]
    public let required: Set<String>

    public init(_ name: String, _ properties: [String: A2UIValueType], required: Set<String> = []) {
        self.name = name
        self.properties = properties.merging(Self.common) { own, _ in own }
        self.required = required
    }

    static let common: [String: A2UIValueType] = [
        "weight": .number,
        "accessibility": .object(A2UIObjectType(["label": .dynamicString, "description": .dynamicString], open: true)),
    ]
}

/// One function's arguments and what it returns.
public struct A2UIFunctionType: Sendable {
    public let name: String
    public let returns: String
    public let arguments: A2UIObjectType

    public init(_ name: String, returns: String, _ arguments: A2UIObjectType) {
        self.name = name
        self.returns = returns
        self.arguments = arguments
    }
}
