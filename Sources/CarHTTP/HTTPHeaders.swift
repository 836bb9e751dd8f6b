/// One header field as it arrived (name spelling kept) or as it will be sent.
public struct HTTPField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Header fields in order, duplicates kept, looked up by name case-insensitively.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [HTTPField] = []

    public init() {}

    public init(_ fields: [HTTPField]) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { HTTPField(name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    /// `text` without the optional whitespace (SP, HTAB) HTTP allows around values and list
    /// elements.
    public static func trimmed<S: StringProtocol>(_ text: S) -> String {
        HTTPBytes.trimmed(Substring(text))
    }
    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }

    /// The first value under this name.
    public subscript(name: String) -> String? {
        fields.first { Self.same($0.name, name) }?.value
    }

    /// Every value under this name, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.same($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { fields.contains { Self.same($0.name, name) } }

    /// The comma-separated list elements of every field with this name, lowercased and
    /// trimmed, empty elements dropped (RFC 9110 §5.6.1): `Connection`, `Transfer-Encoding`.
    /// Parameters stay attached (`text/event-stream;q=0.9`).
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map { HTTPBytes.trimmed($0).lowercased() }.filter { !$0.isEmpty }
    }

    /// Whether a list header names this media type or token, ignoring parameters and case:
    /// `accepts("Accept", "text/event-stream")`.
    public func listContains(_ name: String, _ token: String) -> Bool {
        let wanted = token.lowercased()
        return tokens(name).contains { element in
            let bare = element.split(separator: ";", maxSplits: 1).first.map { HTTPBytes.trimmed($0) } ?? ""
            return bare == wanted
        }
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append(HTTPField(name: name, value: value))
    }

    /// Replaces every field of this name with one (appended where the first one was, or last).
    public mutating func set(_ name: String, _ value: String) {
        if let first = fields.firstIndex(where: { Self.same($0.name, name) }) {
            fields[first].value = value
            fields = fields.enumerated().filter { $0.offset == first || !Self.same($0.element.name, name) }.map(\.element)
        } else {
            add(name, value)
        }
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.same($0.name, name) }
    }

    static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }
}
