/// Token comparison whose running time does not depend on where the inputs first differ, so a
/// local attacker cannot recover the token byte by byte by timing `session.auth`.
public enum ConstantTime {
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        // Length is not secret (tokens have a fixed, documented length).
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
