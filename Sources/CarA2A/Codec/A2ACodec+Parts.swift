import CarJSON

extension A2ACodec {
    /// The metadata member that marks a 0.3 data part wrapping a non-object value.
    static let dataPartCompatKey = "data_part_compat"

    func part(_ value: JSONValue, path: String) throws(A2AError) -> A2APart {
        let fields = try fields(value, path)
        let metadata = try fields.metadata("metadata")
        switch version {
        case .v1_0:
            var present = ["text", "raw", "url", "data"].filter(fields.has)
            // `data` is a google.protobuf.Value: `"data": null` is a data part holding null, as
            // the SDK's ParseDict reads it. Beside another content member the SDK's outcome
            // depends on member order (a null skips its oneof check); here it reads as unset.
            if present.isEmpty, fields.isNull("data") { present = ["data"] }
            guard present.count == 1 else {
                throw .invalidParams(field: path, present.isEmpty ? "a part holds one of text, raw, url or data; this one holds none"
                                         : "a part holds one of text, raw, url or data; this one holds \(present.joined(separator: " and "))")
            }
            let content: A2APart.Content
            switch present[0] {
            case "text": content = .text(try fields.string("text")!)
            case "raw": content = .raw(try bytes(fields, "raw"))
            case "url": content = .url(try fields.string("url")!)
            default: content = .data(fields.value("data") ?? .null)
            }
            return A2APart(content, mediaType: try fields.optionalString("mediaType"), filename: try fields.optionalString("filename"),
                           metadata: metadata)
        case .v0_3:
            let kind = try fields.string("kind")
                ?? (fields.has("text") ? "text" : fields.has("file") ? "file" : fields.has("data") ? "data" : "")
            switch kind {
            case "text":
                guard let text = try fields.string("text") else { throw .invalidParams(field: fields.path("text"), "Field is required.") }
                return A2APart(.text(text), metadata: metadata)
            case "file":
                guard let file = try fields.object("file") else { throw .invalidParams(field: fields.path("file"), "Field is required.") }
                let hasBytes = file.has("bytes"), hasURI = file.has("uri")
                guard hasBytes != hasURI else {
                    throw .invalidParams(field: file.path, "a file holds one of bytes or uri")
                }
                let content: A2APart.Content = hasBytes ? .raw(try bytes(file, "bytes")) : .url(try file.string("uri")!)
                return A2APart(content, mediaType: try file.optionalString("mimeType"), filename: try file.optionalString("name"),
                               metadata: metadata)
            case "data":
                // 0.3's DataPart.data is a `dict`: null is refused as the SDK's model refuses it.
                // A null value travels wrapped, `{"value": null}` under `data_part_compat`.
                guard let data = fields.value("data") else {
                    throw .invalidParams(field: fields.path("data"), fields.isNull("data") ? "a 0.3 data part holds an object, got null" : "Field is required.")
                }
                guard case .object(let object) = data else {
                    throw .invalidParams(field: fields.path("data"), "a 0.3 data part holds an object, got \(data.typeName)")
                }
                var metadata = metadata
                if metadata?[Self.dataPartCompatKey] == .bool(true), let wrapped = object["value"] {
                    metadata?[Self.dataPartCompatKey] = nil
                    if metadata?.isEmpty == true { metadata = nil }
                    return A2APart(.data(wrapped), metadata: metadata)
                }
                return A2APart(.data(data), metadata: metadata)
            default:
                throw .invalidParams(field: fields.path("kind"), kind.isEmpty ? "Field is required." : "expected \"text\", \"file\" or \"data\", got \"\(A2AError.clip(kind))\"")
            }
        }
    }

    private func bytes(_ fields: A2AFields, _ key: String) throws(A2AError) -> [UInt8] {
        guard let text = try fields.string(key), let bytes = A2ABase64.decode(text) else {
            throw .invalidParams(field: fields.path(key), "expected base64")
        }
        return bytes
    }

    func parts(_ fields: A2AFields, _ key: String = "parts") throws(A2AError) -> [A2APart] {
        guard let elements = try fields.array(key), !elements.isEmpty else {
            throw .invalidParams(field: fields.path(key), fields.has(key) ? "Field must contain at least one element." : "Field is required.")
        }
        var parts: [A2APart] = []
        parts.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            parts.append(try part(element, path: "\(fields.path(key))[\(index)]"))
        }
        return parts
    }

    public func encode(_ part: A2APart) -> JSONValue {
        var object: [String: JSONValue] = [:]
        if let metadata = part.metadata { object["metadata"] = .object(metadata) }
        switch version {
        case .v1_0:
            switch part.content {
            case .text(let text): object["text"] = .string(text)
            case .raw(let bytes): object["raw"] = .string(A2ABase64.encode(bytes))
            case .url(let url): object["url"] = .string(url)
            case .data(let value): object["data"] = value
            }
            if let mediaType = part.mediaType, !mediaType.isEmpty { object["mediaType"] = .string(mediaType) }
            if let filename = part.filename, !filename.isEmpty { object["filename"] = .string(filename) }
        case .v0_3:
            switch part.content {
            case .text(let text):
                // 0.3 text parts have no media type or file name: they are lost, as in the SDK.
                object["kind"] = "text"
                object["text"] = .string(text)
            case .raw, .url:
                var file: [String: JSONValue] = [:]
                if case .raw(let bytes) = part.content { file["bytes"] = .string(A2ABase64.encode(bytes)) }
                if case .url(let url) = part.content { file["uri"] = .string(url) }
                if let mediaType = part.mediaType, !mediaType.isEmpty { file["mimeType"] = .string(mediaType) }
                if let filename = part.filename, !filename.isEmpty { file["name"] = .string(filename) }
                object["kind"] = "file"
                object["file"] = .object(file)
            case .data(let value):
                object["kind"] = "data"
                if case .object = value {
                    object["data"] = value
                } else {
                    object["data"] = ["value": value]
                    var metadata = part.metadata ?? [:]
                    metadata[Self.dataPartCompatKey] = true
                    object["metadata"] = .object(metadata)
                }
            }
        }
        return .object(object)
    }
}
