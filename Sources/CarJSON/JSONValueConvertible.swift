/// A type that knows its JSON value without going through `Encoder`; `JSONValueEncoder` uses it
/// directly. The generator gives it to member-less schema types, which are always `{}`.
public protocol JSONValueConvertible {
    var jsonValue: JSONValue { get }
}
