/// The snapshot file name of a memory namespace: lowercase percent-encoding of its UTF-8
/// bytes, where `a`–`z`, `0`–`9`, `-`, `_` and `.` pass through and every other byte
/// (uppercase letters and `%` included) becomes `%` and two lowercase hex digits. The mapping
/// is injective, so two namespaces never share a file, and the result never contains `/`.
public enum NamespaceFileName {
    public static func encode(_ namespace: String) -> String {
        var out = ""
        out.reserveCapacity(namespace.utf8.count)
        for byte in namespace.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789abcdef".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// `<root>/memory-namespaces/<encoded>.json`.
    public static func snapshotPath(root: String, namespace: String) -> String {
        "\(root)/memory-namespaces/\(encode(namespace)).json"
    }
}
