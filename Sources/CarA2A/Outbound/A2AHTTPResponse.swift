/// A peer's complete HTTP response, its body already held to the size limit.
struct A2AHTTPResponse: Sendable, Equatable {
    var status: Int
    var body: [UInt8]

    var isSuccess: Bool { (200..<300).contains(status) }
}
