/// A JSON-RPC request id. Only integers and strings are accepted: the official clients
/// match replies by exact JSON equality, so an id is echoed with the type it arrived with.
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    /// nil for anything JSON-RPC does not allow as an id we can echo faithfully
    /// (fractions, booleans, objects); `1.0` is refused rather than silently turned into `1`.
    public init?(json: JSONValue) {
        switch json {
        case .int(let value): self = .int(value)
        case .string(let value): self = .string(value)
        default: return nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .int(let value): .int(value)
        case .string(let value): .string(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .string(let value): "\"\(value)\""
        }
    }
}
