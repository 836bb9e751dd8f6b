/// Turns received bytes into HTTP/1.1 requests (RFC 9112). Feed bytes as they arrive with
/// `append`, then call `next()` until it returns nil; bytes after a complete request stay
/// buffered for the next (pipelined) one.
///
/// The head is parsed one line at a time as lines complete, so a malformed or oversized
/// line is refused as soon as it is seen (garbage such as a TLS hello fails on its first
/// bytes), and no byte is scanned twice however the input is split. Body bytes are copied
/// out as they arrive. Lines end with CRLF only: a bare LF, or a CR not followed by LF, is
/// refused (400), because a peer that splits lines differently from us could smuggle one.
///
/// After an error the decoder is unusable: answer with the error's status (its `response`)
/// and close the connection.
public struct HTTPRequestDecoder: Sendable {
    public enum Event: Sendable, Equatable {
        /// The head of a request whose client sent `Expect: 100-continue` and whose body has
        /// not (entirely) arrived yet: answer `HTTPResponse.continue` to have it sent, or a
        /// final status and close. Comes at most once per request, before its `.request`.
        case continueExpected(HTTPRequestHead)
        case request(HTTPRequest)
    }

    public let limits: HTTPRequestLimits

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the next LF resumes (everything from `readIndex` to here is known
    /// to hold none).
    private var scanIndex = 0

    private enum State: Sendable {
        case head(requestLine: RequestLine?, fields: [HTTPField], headerBytes: Int)
        case lengthBody(HTTPRequestHead, remaining: Int)
        case chunkedBody(HTTPRequestHead, ChunkedBodyDecoder)
    }

    private var state = State.head(requestLine: nil, fields: [], headerBytes: 0)
    private var body: [UInt8] = []
    private var announcedContinue = false
    private var failure: HTTPRequestError?

    private static let compactionThreshold = 64 << 10

    public init(limits: HTTPRequestLimits = HTTPRequestLimits()) {
        self.limits = limits
    }

    /// Received bytes not yet consumed. Complete lines of a head still arriving are held
    /// parsed, not counted here; `isIdle` says whether a request is under way.
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// True between requests with nothing buffered: a connection closed now loses nothing.
    public var isIdle: Bool {
        if case .head(nil, let fields, _) = state, fields.isEmpty, bufferedBytes == 0 { return true }
        return false
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if readIndex >= Self.compactionThreshold && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(..<readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func next() throws(HTTPRequestError) -> Event? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(HTTPRequestError) -> Event? {
        switch state {
        case .head(var requestLine, var fields, var headerBytes):
            while let line = try nextHeadLine(requestLine: requestLine, headerBytes: headerBytes) {
                guard let parsedLine = requestLine else {
                    // RFC 9112 §2.2: empty lines before a request line are ignored.
                    if line.isEmpty { continue }
                    if line.count > limits.maxRequestLineBytes { throw requestLineTooLong(line) }
                    requestLine = try RequestLine.parse(line)
                    state = .head(requestLine: requestLine, fields: fields, headerBytes: headerBytes)
                    continue
                }
                if line.isEmpty {
                    let head = try RequestFraming.head(parsedLine, HTTPHeaders(fields), limits: limits)
                    return try begin(head)
                }
                headerBytes += line.count + 2
                if headerBytes > limits.maxHeaderBytes {
                    throw .headersTooLarge("header section over \(limits.maxHeaderBytes) bytes")
                }
                if fields.count == limits.maxHeaderCount {
                    throw .headersTooLarge("more than \(limits.maxHeaderCount) header fields")
                }
                fields.append(try HeaderField.parse(line))
                state = .head(requestLine: requestLine, fields: fields, headerBytes: headerBytes)
            }
            releaseIfDrained()
            return nil
        case .lengthBody, .chunkedBody:
            return try continueBody()
        }
    }

    private mutating func begin(_ head: HTTPRequestHead) throws(HTTPRequestError) -> Event? {
        announcedContinue = false
        body = []
        switch head.bodyFraming {
        case .none:
            state = .head(requestLine: nil, fields: [], headerBytes: 0)
            return .request(HTTPRequest(head: head, body: []))
        case .length(let length):
            body.reserveCapacity(min(length, 64 << 10))
            state = .lengthBody(head, remaining: length)
        case .chunked:
            state = .chunkedBody(head, ChunkedBodyDecoder())
        }
        return try continueBody()
    }

    private mutating func continueBody() throws(HTTPRequestError) -> Event? {
        let head: HTTPRequestHead
        var done: Bool
        switch state {
        case .lengthBody(let requestHead, let remaining):
            head = requestHead
            let take = min(remaining, buffer.count - readIndex)
            body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
            readIndex += take
            done = take == remaining
            if !done { state = .lengthBody(head, remaining: remaining - take) }
        case .chunkedBody(let requestHead, var chunks):
            head = requestHead
            done = try chunks.consume(buffer, &readIndex, into: &body, limits: limits)
            if !done { state = .chunkedBody(head, chunks) }
        case .head:
            return nil
        }
        scanIndex = max(scanIndex, readIndex)
        if done {
            state = .head(requestLine: nil, fields: [], headerBytes: 0)
            let request = HTTPRequest(head: head, body: body)
            body = []
            releaseIfDrained()
            return .request(request)
        }
        if head.expectsContinue && !announcedContinue {
            announcedContinue = true
            return .continueExpected(head)
        }
        return nil
    }

    /// The next CRLF-terminated line of the head, without its CRLF, or nil when it has not
    /// all arrived; refuses a line that can no longer fit its bound.
    private mutating func nextHeadLine(requestLine: RequestLine?, headerBytes: Int) throws(HTTPRequestError) -> ArraySlice<UInt8>? {
        guard let lf = buffer[scanIndex...].firstIndex(of: HTTPBytes.lf) else {
            scanIndex = buffer.count
            try checkPartialLine(requestLine: requestLine, headerBytes: headerBytes)
            return nil
        }
        guard lf > readIndex, buffer[lf - 1] == HTTPBytes.cr else {
            throw .badRequest("bare LF: lines must end with CRLF")
        }
        let line = buffer[readIndex..<(lf - 1)]
        if line.contains(HTTPBytes.cr) { throw .badRequest("CR not followed by LF") }
        readIndex = lf + 1
        scanIndex = readIndex
        return line
    }

    /// Refuses a line still arriving that is already past its bound, or a request line
    /// whose method so far is not a token.
    private func checkPartialLine(requestLine: RequestLine?, headerBytes: Int) throws(HTTPRequestError) {
        let pending = buffer[readIndex...]
        guard let first = pending.first else { return }
        let endsWithCR = pending.last == HTTPBytes.cr
        if requestLine == nil {
            // Ignorable empty lines before the request line.
            if pending.count == 1 && first == HTTPBytes.cr { return }
            // Only the first bytes: enough to refuse garbage at once, and no rescanning of a
            // long line on every append.
            let method = pending.prefix(32).prefix { $0 != HTTPBytes.space }
            let methodBytes = endsWithCR && method.count == pending.count ? method.dropLast() : method
            guard methodBytes.allSatisfy(HTTPBytes.isTokenByte) else {
                throw .badRequest("request does not start with an HTTP method")
            }
            let lineSoFar = pending.count - (endsWithCR ? 1 : 0)
            if lineSoFar > limits.maxRequestLineBytes { throw requestLineTooLong(pending) }
        } else {
            if pending.count == 1 && first == HTTPBytes.cr { return }
            // A field line still needs its LF, and its CR unless that came last.
            if headerBytes + pending.count + (endsWithCR ? 1 : 2) > limits.maxHeaderBytes {
                throw .headersTooLarge("header section over \(limits.maxHeaderBytes) bytes")
            }
        }
    }

    /// 414 when a plausible method (a token of at most 64 bytes) and its space are done, so
    /// the target is what runs long; 400 otherwise.
    private func requestLineTooLong(_ line: ArraySlice<UInt8>) -> HTTPRequestError {
        let method = line.prefix(65).prefix { $0 != HTTPBytes.space }
        if method.count <= 64, method.count < line.count, !method.isEmpty, method.allSatisfy(HTTPBytes.isTokenByte) {
            return HTTPRequestError(status: 414, reason: "request line over \(limits.maxRequestLineBytes) bytes")
        }
        return .badRequest("request line over \(limits.maxRequestLineBytes) bytes")
    }

    /// Drops consumed bytes once everything buffered is consumed, keeping the storage only
    /// while it is small.
    private mutating func releaseIfDrained() {
        guard readIndex == buffer.count, readIndex > 0 else { return }
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.compactionThreshold)
        readIndex = 0
        scanIndex = 0
    }
}
