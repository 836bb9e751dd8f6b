/// The log file of a daemon-owned per-agent graph: `<root>/agents/<id>.jsonl`. Agent ids are
/// chosen to be file-name safe (letters, digits, `-`, `_`, `.`), so the id is the name as it
/// is; it is still checked here, since a path is built from it: anything else, `.` and `..`,
/// and ids too long for `NAME_MAX` (with room for the compaction's temporary) are refused.
public enum AgentFileName {
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static let folder = "agents"

    public static func validate(_ id: String) throws(Invalid) {
        guard !id.isEmpty else { throw Invalid(description: "an agent id may not be empty") }
        guard id != ".", id != ".." else { throw Invalid(description: "'\(id)' is not an agent id") }
        guard id.utf8.allSatisfy(allowed) else {
            throw Invalid(description: "agent id '\(id)' may hold only letters, digits, '-', '_' and '.'")
        }
        let length = id.utf8.count + MemoryLog.suffix.utf8.count
        guard length <= NamespaceFileName.maxFileNameBytes else {
            throw Invalid(description: "agent id is too long: its log file name would be \(length) bytes, "
                          + "at most \(NamespaceFileName.maxFileNameBytes) are allowed")
        }
    }

    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// `<root>/agents/<id>.jsonl`; `id` must have passed `validate`.
    public static func logPath(root: String, agent id: String) -> String {
        "\(root)/\(folder)/\(id)\(MemoryLog.suffix)"
    }
}
