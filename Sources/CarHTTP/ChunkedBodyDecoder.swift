/// A `Transfer-Encoding: chunked` request body (RFC 9112 §7.1): chunk-size lines in hex
/// with optional extensions (ignored), CRLF after every chunk's data, a zero chunk, then
/// trailer fields, which are checked for syntax and bounds and dropped. The sum of the
/// chunks is held to the body limit before any of a chunk's data is taken.
struct ChunkedBodyDecoder: Sendable {
    private enum State: Sendable {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailer
    }

    private var state = State.size
    private var trailerBytes = 0
    private var trailerCount = 0

    /// Takes what it can from `buffer[index...]` into `body`; true once the body has ended.
    mutating func consume(_ buffer: [UInt8], _ index: inout Int, into body: inout [UInt8],
                          limits: HTTPRequestLimits) throws(HTTPRequestError) -> Bool {
        while true {
            switch state {
            case .size:
                guard let line = try nextLine(buffer, &index, maxBytes: limits.maxChunkLineBytes, what: "chunk-size line") else { return false }
                let size = try chunkSize(line, already: body.count, limits: limits)
                state = size == 0 ? .trailer : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, buffer.count - index)
                guard take > 0 else { return false }
                body.append(contentsOf: buffer[index..<(index + take)])
                index += take
                state = remaining == take ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                guard buffer.count - index >= 2 else {
                    if index < buffer.count && buffer[index] != HTTPBytes.cr { throw .badRequest("chunk data not followed by CRLF") }
                    return false
                }
                guard buffer[index] == HTTPBytes.cr, buffer[index + 1] == HTTPBytes.lf else {
                    throw .badRequest("chunk data not followed by CRLF")
                }
                index += 2
                state = .size
            case .trailer:
                let allowance = limits.maxHeaderBytes - trailerBytes
                guard let line = try nextLine(buffer, &index, maxBytes: max(allowance, 0), what: "trailer section", status: 431) else { return false }
                if line.isEmpty { return true }
                trailerBytes += line.count + 2
                trailerCount += 1
                if trailerBytes > limits.maxHeaderBytes { throw .headersTooLarge("trailer section over \(limits.maxHeaderBytes) bytes") }
                if trailerCount > limits.maxHeaderCount { throw .headersTooLarge("more than \(limits.maxHeaderCount) trailer fields") }
                _ = try HeaderField.parse(line)
            }
        }
    }

    /// The next CRLF-terminated line without its CRLF, or nil while it is incomplete and
    /// could still fit in `maxBytes`.
    private func nextLine(_ buffer: [UInt8], _ index: inout Int, maxBytes: Int, what: String,
                          status: Int = 400) throws(HTTPRequestError) -> ArraySlice<UInt8>? {
        guard let lf = buffer[index...].firstIndex(of: HTTPBytes.lf) else {
            let pending = buffer.count - index
            let possible = pending - (buffer.last == HTTPBytes.cr ? 1 : 0)
            if possible > maxBytes { throw HTTPRequestError(status: status, reason: "\(what) over \(maxBytes) bytes") }
            return nil
        }
        guard lf > index, buffer[lf - 1] == HTTPBytes.cr else { throw .badRequest("bare LF in the \(what)") }
        let line = buffer[index..<(lf - 1)]
        if line.count > maxBytes { throw HTTPRequestError(status: status, reason: "\(what) over \(maxBytes) bytes") }
        if line.contains(HTTPBytes.cr) { throw .badRequest("stray CR in the \(what)") }
        index = lf + 1
        return line
    }

    private func chunkSize(_ line: ArraySlice<UInt8>, already: Int, limits: HTTPRequestLimits) throws(HTTPRequestError) -> Int {
        let digits = line.prefix { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
            default: false
            }
        }
        guard !digits.isEmpty else { throw .badRequest("chunk size is not a hexadecimal number") }
        var rest = line[digits.endIndex...]
        while let byte = rest.first, byte == HTTPBytes.space || byte == HTTPBytes.tab { rest = rest.dropFirst() }
        guard rest.isEmpty || rest.first == UInt8(ascii: ";") else { throw .badRequest("junk after the chunk size") }
        guard rest.allSatisfy(HTTPBytes.isFieldValueByte) else { throw .badRequest("control byte in a chunk extension") }
        let tooLarge = HTTPRequestError(status: 413, reason: "chunked body over the limit of \(limits.maxBodyBytes) bytes")
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else { throw tooLarge }
        guard size <= limits.maxBodyBytes - already else { throw tooLarge }
        return size
    }
}
