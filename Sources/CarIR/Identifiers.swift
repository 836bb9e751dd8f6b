/// Ids the runtime mints when a client leaves them out: 12 lowercase hex characters, the
/// shape the IR spec gives for proposal ids ("12 hex chars from a UUIDv4").
enum Identifiers {
    static func hex12() -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = generator.next() & 0xFFFF_FFFF_FFFF
        let text = String(bits, radix: 16)
        return String(repeating: "0", count: 12 - text.count) + text
    }
}
