/// What a component property (or function argument) may hold: our own small model of the
/// catalog schemas' types, enough to check a value and to know which properties link
/// components together. A generic JSON Schema engine would do the same work more slowly and
/// would hide the structural links this store needs for its tree checks.
public indirect enum A2UIValueType: Sendable {
    case string
    case number
    case integer(minimum: Int64?)
    case boolean
    /// Any JSON value.
    case any
    case enumeration([String])
    /// A literal of `literal`, a `{path}` binding, or a function call returning `returns`.
    case dynamic(literal: A2UIValueType, returns: String?)
    /// A reference to one component of the same surface (a structural link).
    case componentID
    /// Children: an array of component ids, or a template `{componentId, path}` (structural).
    case childList
    /// `{event: {name, context?}}` or `{functionCall: FunctionCall}`.
    case action
    /// A function call in an argument or check position.
    case functionCall(returns: String?)
    case array(of: A2UIValueType, minItems: Int = 0)
    case object(A2UIObjectType)
    /// An icon: one of the catalog's names, `{svgPath}`, or a `{path}` binding.
    case icon([String])

    /// A value that can be a literal, a path, or a function call returning anything.
    static let dynamicValue = A2UIValueType.dynamic(literal: .any, returns: nil)
    static let dynamicString = A2UIValueType.dynamic(literal: .string, returns: "string")
    static let dynamicNumber = A2UIValueType.dynamic(literal: .number, returns: "number")
    static let dynamicBoolean = A2UIValueType.dynamic(literal: .boolean, returns: "boolean")
    static let dynamicStringList = A2UIValueType.dynamic(literal: .array(of: .string), returns: "array")
}

/// A closed object: known properties only, some of them required.
public struct A2UIObjectType: Sendable {
    public let properties: [String: A2UIValueType]
    public let required: Set<String>
    /// Other keys are allowed (and kept): accessibility attributes are open in the catalog.
    public let open: Bool

    public init(_ properties: [String: A2UIValueType], required: Set<String> = [], open: Bool = false) {
        self.properties = properties
        self.required = required
        self.open = open
    }
}
