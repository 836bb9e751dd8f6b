import CarFiles

/// The file name of a memory namespace's log (`MemoryLog`): lowercase percent-encoding of its UTF-8
/// bytes, where `a`–`z`, `0`–`9`, `-`, `_` and `.` pass through and every other byte
/// (uppercase letters and `%` included) becomes `%` and two lowercase hex digits. The mapping
/// is injective, so two namespaces never share a file, and the result never contains `/`.
public enum NamespaceFileName {
    /// The longest file name the file systems we run on accept (`NAME_MAX`), in bytes.
    public static let nameMax = 255
    /// The longest log file name allowed: compaction writes the log through a temporary
    /// named after it, and that name must fit `NAME_MAX` too.
    public static let maxFileNameBytes = nameMax - FileSystem.temporarySuffixMaxBytes
    public static let suffix = MemoryLog.suffix

    /// Why a namespace cannot be bound: it would need a file name the file system refuses.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Checks, before anything is loaded or written, that the namespace's log file name
    /// fits `NAME_MAX`: otherwise every write would fail after the write was made, and the
    /// graph would only live in memory.
    public static func validate(_ namespace: String) throws(Invalid) {
        let length = encodedLength(namespace) + suffix.utf8.count
        guard length <= maxFileNameBytes else {
            let room = maxFileNameBytes - suffix.utf8.count
            throw Invalid(description: "memory_namespace is too long: its log file name would be \(length) bytes, "
                          + "at most \(maxFileNameBytes) are allowed (NAME_MAX \(nameMax) less room for the write's temporary); "
                          + "a name may hold \(room) bytes of a-z, 0-9, '-', '_' and '.', and each other byte counts three")
        }
    }

    /// The byte length of `encode(namespace)`, without building it.
    public static func encodedLength(_ namespace: String) -> Int {
        namespace.utf8.reduce(0) { $0 + (passesThrough($1) ? 1 : 3) }
    }

    private static func passesThrough(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    public static func encode(_ namespace: String) -> String {
        var out = ""
        out.reserveCapacity(namespace.utf8.count)
        let digits = Array("0123456789abcdef".unicodeScalars)
        for byte in namespace.utf8 {
            if passesThrough(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// `<root>/memory-namespaces/<encoded>.jsonl`.
    public static func logPath(root: String, namespace: String) -> String {
        "\(root)/memory-namespaces/\(encode(namespace))\(suffix)"
    }

    /// `<root>/memory-namespaces/<encoded>.json`: the whole-graph snapshot that daemons before
    /// the log wrote, migrated to the log when the namespace is first bound.
    public static func legacySnapshotPath(root: String, namespace: String) -> String {
        MemoryLog.legacySnapshotPath(of: logPath(root: root, namespace: namespace))
    }
}
