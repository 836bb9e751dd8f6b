/// Encodes `Encodable` types straight into a `JSONValue` (results, server→client params).
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        if let convertible = value as? any JSONValueConvertible { return convertible.jsonValue }
        let node = EncodingNode()
        try value.encode(to: JSONValueEncoding(node: node, codingPath: []))
        return node.value
    }
}

/// Where a container writes: containers hand out child nodes, so nested containers can be
/// filled in any order and the tree is read once at the end.
final class EncodingNode {
    enum Content {
        case empty
        case value(JSONValue)
        case object([String: EncodingNode])
        case array([EncodingNode])
    }

    var content = Content.empty

    var value: JSONValue {
        switch content {
        case .empty: return .object([:])
        case .value(let value): return value
        case .object(let members): return .object(members.mapValues(\.value))
        case .array(let elements): return .array(elements.map(\.value))
        }
    }

    func makeObject() {
        if case .object = content { return }
        content = .object([:])
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func child(forKey key: String) -> EncodingNode {
        makeObject()
        guard case .object(var members) = content else { fatalError("unreachable") }
        if let existing = members[key] { return existing }
        // Let go of the stored copy first, so the insert does not copy every member (an
        // object of n members would cost O(n²)).
        content = .empty
        let node = EncodingNode()
        members[key] = node
        content = .object(members)
        return node
    }

    func appendChild() -> EncodingNode {
        makeArray()
        guard case .array(var elements) = content else { fatalError("unreachable") }
        // As above: unique before the append, or a 10,000-element result costs O(n²) copies.
        content = .empty
        let node = EncodingNode()
        elements.append(node)
        content = .array(elements)
        return node
    }

    var arrayCount: Int {
        if case .array(let elements) = content { return elements.count }
        return 0
    }
}

struct JSONValueEncoding: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueEncoder(node: node, codingPath: codingPath)
    }
}

/// Primitive values become JSON directly; anything else encodes itself into the node.
enum JSONEncodingSupport {
    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, path: [any CodingKey]) throws {
        if let primitive = try primitive(value, path: path) {
            node.content = .value(primitive)
        } else {
            try value.encode(to: JSONValueEncoding(node: node, codingPath: path))
        }
    }

    private static func primitive<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> JSONValue? {
        switch value {
        case let json as JSONValue: return json
        case let flag as Bool: return .bool(flag)
        case let text as String: return .string(text)
        case let number as Int: return .int(Int64(number))
        case let number as Int64: return .int(number)
        case let number as Int32: return .int(Int64(number))
        case let number as UInt32: return .int(Int64(number))
        case let number as UInt: return try unsigned(UInt64(number), path: path)
        case let number as UInt64: return try unsigned(number, path: path)
        case let number as Double: return .double(number)
        case let number as Float: return .double(Double(number))
        default: return nil
        }
    }

    /// JSON integers here are Int64; a larger unsigned value is an error, not a silent double.
    private static func unsigned(_ number: UInt64, path: [any CodingKey]) throws -> JSONValue {
        guard let exact = Int64(exactly: number) else {
            throw EncodingError.invalidValue(number, .init(codingPath: path, debugDescription: "\(number) exceeds the Int64 range"))
        }
        return .int(exact)
    }
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        node.child(forKey: key.stringValue).content = .value(.null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try JSONEncodingSupport.encode(value, into: node.child(forKey: key.stringValue), path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        JSONValueEncoding(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONValueEncoding(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        JSONValueEncoding(node: node.child(forKey: "super"), codingPath: codingPath + [JSONCodingKey.super])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONValueEncoding(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    var count: Int { node.arrayCount }

    private var nextPath: [any CodingKey] { codingPath + [JSONCodingKey(intValue: count)] }

    mutating func encodeNil() throws {
        node.appendChild().content = .value(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try JSONEncodingSupport.encode(value, into: node.appendChild(), path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return JSONValueEncoding(node: node.appendChild(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return JSONValueEncoding(node: node.appendChild(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return JSONValueEncoding(node: node.appendChild(), codingPath: path)
    }
}

private struct SingleValueEncoder: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws {
        node.content = .value(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try JSONEncodingSupport.encode(value, into: node, path: codingPath)
    }
}
