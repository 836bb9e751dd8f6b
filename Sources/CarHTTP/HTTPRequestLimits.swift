/// The most a request may make the decoder hold. Every bound is inclusive: a request exactly
/// at a limit is accepted, one byte (or field) past it is refused.
public struct HTTPRequestLimits: Sendable, Equatable {
    /// Bytes of the request line, CRLF excluded (414 when the target is what is long, else 400).
    public var maxRequestLineBytes: Int
    /// Bytes of all header field lines, each with its CRLF, the empty line ending them
    /// excluded (431). Trailers of a chunked body are held to the same bound.
    public var maxHeaderBytes: Int
    /// Header fields (431). Trailer fields count separately against the same number.
    public var maxHeaderCount: Int
    /// Body bytes, by Content-Length or the sum of chunks (413).
    public var maxBodyBytes: Int
    /// Bytes of one chunk-size line of a chunked body, extensions included, CRLF excluded (400).
    public var maxChunkLineBytes: Int

    public init(maxRequestLineBytes: Int = 8 << 10, maxHeaderBytes: Int = 32 << 10, maxHeaderCount: Int = 100,
                maxBodyBytes: Int = 4 << 20, maxChunkLineBytes: Int = 1 << 10) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }
}
