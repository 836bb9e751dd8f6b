/// One member of a JSON object, in document order.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A parsed document whose top level, when it is an object, is kept as its members in order
/// (see `JSONParser.parseDocument`).
public enum JSONDocument: Sendable, Hashable {
    case object([JSONMember])
    case value(JSONValue)
}
