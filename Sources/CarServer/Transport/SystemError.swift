import Glibc

/// A failed system call: which one and the errno text, for logs and startup errors.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var errno: Int32

    static func lastErrno(_ call: String = "") -> SystemError {
        SystemError(call: call, errno: Glibc.errno)
    }

    public var description: String {
        let text = String(cString: strerror(errno))
        return call.isEmpty ? text : "\(call): \(text)"
    }
}
