/// One field line, `name: OWS value OWS` (RFC 9112 §5). Refused: a line starting with SP or
/// HTAB (obs-fold, §5.2), no colon, an empty or non-token name, whitespace between the name
/// and the colon (§5.1, a smuggling vector), and a control byte or non-UTF-8 in the value.
enum HeaderField {
    static func parse(_ line: ArraySlice<UInt8>) throws(HTTPRequestError) -> HTTPField {
        guard let first = line.first else { throw .badRequest("empty header line") }
        if first == HTTPBytes.space || first == HTTPBytes.tab {
            throw .badRequest("obsolete line folding (a header line starting with whitespace) is not accepted")
        }
        guard let colon = line.firstIndex(of: HTTPBytes.colon) else {
            throw .badRequest("header line without a colon")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { throw .badRequest("header line with an empty name") }
        if let last = name.last, last == HTTPBytes.space || last == HTTPBytes.tab {
            throw .badRequest("whitespace between a header name and its colon")
        }
        guard name.allSatisfy(HTTPBytes.isTokenByte) else {
            throw .badRequest("header name '\(String(decoding: name, as: UTF8.self))' holds a byte that is not a token character")
        }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == HTTPBytes.space || byte == HTTPBytes.tab { value = value.dropFirst() }
        while let byte = value.last, byte == HTTPBytes.space || byte == HTTPBytes.tab { value = value.dropLast() }
        let nameText = String(decoding: name, as: UTF8.self)
        guard value.allSatisfy(HTTPBytes.isFieldValueByte) else {
            throw .badRequest("header '\(nameText)' holds a control byte")
        }
        guard let valueText = String(validating: value, as: UTF8.self) else {
            throw .badRequest("header '\(nameText)' is not UTF-8")
        }
        return HTTPField(name: nameText, value: valueText)
    }
}
