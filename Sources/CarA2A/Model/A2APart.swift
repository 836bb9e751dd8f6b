import CarJSON

/// One piece of a message or artifact: text, bytes, a URL or any JSON value, with the media
/// type, file name and metadata that may come with it (1.0's `Part`; 0.3 spells the same things
/// as text, file and data parts).
public struct A2APart: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case text(String)
        /// The bytes themselves (base64 on the wire: 1.0 `raw`, 0.3 `file.bytes`).
        case raw([UInt8])
        /// 1.0 `url`, 0.3 `file.uri`.
        case url(String)
        /// Any JSON value in 1.0; 0.3 carries only objects (see `A2ACodec` for the wrapping).
        case data(JSONValue)
    }

    public var content: Content
    public var mediaType: String?
    public var filename: String?
    public var metadata: [String: JSONValue]?

    public init(_ content: Content, mediaType: String? = nil, filename: String? = nil, metadata: [String: JSONValue]? = nil) {
        self.content = content
        self.mediaType = mediaType
        self.filename = filename
        self.metadata = metadata
    }

    public static func text(_ text: String) -> A2APart { A2APart(.text(text)) }
    public static func data(_ value: JSONValue) -> A2APart { A2APart(.data(value)) }

    public var text: String? {
        if case .text(let text) = content { return text }
        return nil
    }

    public var data: JSONValue? {
        if case .data(let value) = content { return value }
        return nil
    }

    /// What the part carries, in bytes (text and URLs as UTF-8, data and metadata as compact
    /// JSON, the media type and file name too): what the per-message content bound counts.
    public var contentBytes: Int {
        let body: Int = switch content {
        case .text(let text): text.utf8.count
        case .raw(let bytes): bytes.count
        case .url(let url): url.utf8.count
        case .data(let value): JSONWriter.encodedCount(value)
        }
        return body &+ (mediaType?.utf8.count ?? 0) &+ (filename?.utf8.count ?? 0) &+ A2AMessage.bytes(of: metadata)
    }
}
