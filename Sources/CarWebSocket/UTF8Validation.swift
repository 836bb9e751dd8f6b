/// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above
/// U+10FFFF. Text frames must pass it (RFC 6455 §8.1), else the connection closes with 1007.
public enum UTF8Validation {
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isValid($0) }
    }

    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        scan(bytes) == .valid
    }

    enum Scan: Equatable {
        case valid
        case invalid
        /// Valid up to `at`, where a sequence starts whose bytes so far are a valid prefix
        /// but which the input ends before completing.
        case incomplete(at: Int)
    }

    /// How many bytes the sequence led by `lead` has, with the range its second byte must
    /// fall in; nil for a byte that cannot lead one (continuation bytes, C0, C1, F5...FF).
    @inline(__always)
    private static func sequence(lead: UInt8) -> (length: Int, lower: UInt8, upper: UInt8)? {
        switch lead {
        case 0xC2...0xDF: (2, 0x80, 0xBF)
        case 0xE0: (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
        case 0xED: (3, 0x80, 0x9F)
        case 0xF0: (4, 0x90, 0xBF)
        case 0xF1...0xF3: (4, 0x80, 0xBF)
        case 0xF4: (4, 0x80, 0x8F)
        default: nil
        }
    }

    static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return .valid }
        var index = 0
        while index < count {
            // JSON-RPC text is mostly ASCII: check eight bytes at a time while it is.
            while index + 8 <= count, base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
            guard index < count else { return .valid }
            let lead = base.load(fromByteOffset: index, as: UInt8.self)
            if lead < 0x80 {
                index += 1
                continue
            }
            guard let (length, lower, upper) = sequence(lead: lead) else { return .invalid }
            let available = min(length, count - index)
            if available >= 2 {
                let second = base.load(fromByteOffset: index + 1, as: UInt8.self)
                guard second >= lower && second <= upper else { return .invalid }
            }
            if available >= 3 {
                for offset in 2..<available {
                    let next = base.load(fromByteOffset: index + offset, as: UInt8.self)
                    guard next & 0xC0 == 0x80 else { return .invalid }
                }
            }
            guard available == length else { return .incomplete(at: index) }
            index += length
        }
        return .valid
    }

    /// Validates a text message piece by piece as its bytes arrive, so no single step costs
    /// more than the piece it is given: a character may straddle two pieces (or two
    /// fragments), and its first bytes wait in `carry` for the rest.
    public struct Stream: Sendable {
        private var carry: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        private var carried = 0

        public init() {}

        /// False once the bytes so far cannot begin valid UTF-8.
        public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
            var rest = bytes
            if carried > 0 {
                guard let (length, _, _) = sequence(lead: carry.0) else { return false }
                let taken = min(length - carried, rest.count)
                withUnsafeMutableBytes(of: &carry) { slot in
                    for offset in 0..<taken { slot[carried + offset] = rest[offset] }
                }
                carried += taken
                rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
                let held = carried
                let verdict = withUnsafeBytes(of: carry) { scan(UnsafeRawBufferPointer(rebasing: $0[..<held])) }
                switch verdict {
                case .invalid: return false
                case .incomplete: return true // `rest` is empty: the piece ended inside the character
                case .valid: carried = 0
                }
            }
            switch scan(rest) {
            case .valid: return true
            case .invalid: return false
            case .incomplete(let at):
                let tail = UnsafeRawBufferPointer(rebasing: rest[at...])
                withUnsafeMutableBytes(of: &carry) { slot in
                    for offset in tail.indices { slot[offset] = tail[offset] }
                }
                carried = tail.count
                return true
            }
        }

        /// True when the bytes fed so far end on a character boundary.
        public var isComplete: Bool { carried == 0 }
    }
}
