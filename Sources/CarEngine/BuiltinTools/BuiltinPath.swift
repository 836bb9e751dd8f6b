import Foundation

/// A path a built-in tool was given: refused when empty or holding a NUL byte (the kernel
/// would cut it there and act on another file), and made absolute against the daemon's current
/// directory when relative.
enum BuiltinPath {
    static func resolve(_ path: String, parameter: String = "path") throws(BuiltinToolError) -> String {
        guard !path.isEmpty else { throw BuiltinToolError("'\(parameter)' must not be empty") }
        guard !path.utf8.contains(0) else { throw BuiltinToolError("'\(parameter)' must not contain a NUL byte") }
        if path.hasPrefix("/") { return path }
        let base = FileManager.default.currentDirectoryPath
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }
}

/// Why a built-in tool did not do what it was asked; its message is the action's error.
public struct BuiltinToolError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// errno as a sentence: "read_file: /x: No such file or directory".
    static func system(_ operation: String, _ path: String, _ code: Int32 = errno) -> BuiltinToolError {
        BuiltinToolError("\(operation) \(path): \(String(cString: strerror(code)))")
    }
}
