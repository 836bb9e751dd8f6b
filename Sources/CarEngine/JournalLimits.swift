/// The daemon-wide cap on the journals folder: closed journals beyond `maxFiles` files or
/// `maxBytes` bytes in all are removed, oldest (by mtime) first. Live journals count toward
/// the totals but are never removed.
public struct JournalLimits: Sendable, Hashable {
    public static let defaultMaxFiles = 1_000
    public static let defaultMaxBytes: Int64 = 256 << 20

    public var maxFiles: Int
    public var maxBytes: Int64

    public init(maxFiles: Int = JournalLimits.defaultMaxFiles, maxBytes: Int64 = JournalLimits.defaultMaxBytes) {
        self.maxFiles = max(0, maxFiles)
        self.maxBytes = max(0, maxBytes)
    }

    /// `CAR_JOURNAL_MAX_FILES` and `CAR_JOURNAL_MAX_BYTES` (decimal integers, 0 keeps no closed
    /// journal); anything else is an error naming the variable. Values past the integer range
    /// saturate rather than wrap.
    public init(environment: [String: String]) throws(EventLogError) {
        self.init()
        if let text = environment["CAR_JOURNAL_MAX_FILES"] {
            maxFiles = Int(clamping: try Self.parse(text, name: "CAR_JOURNAL_MAX_FILES"))
        }
        if let text = environment["CAR_JOURNAL_MAX_BYTES"] {
            maxBytes = Int64(clamping: try Self.parse(text, name: "CAR_JOURNAL_MAX_BYTES"))
        }
    }

    private static func parse(_ text: String, name: String) throws(EventLogError) -> UInt64 {
        let digits = text.trimmingSpaces
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw EventLogError("\(name) must be a non-negative integer, got '\(text)'")
        }
        return UInt64(digits) ?? .max
    }
}

private extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
