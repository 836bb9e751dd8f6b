/// A listener's `HOST:PORT` as flags and methods spell it (`127.0.0.1:0`, `[::1]:8080`,
/// `localhost:9000`): one reading for every HTTP endpoint, so each refuses the same inputs.
public struct ListenAddress: Sendable, Equatable {
    /// An IP literal (IPv6 without brackets), or a name as given.
    public var host: String
    /// 0 picks a free port.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// nil unless `text` is HOST:PORT with a host and a port in 0...65535.
    public static func parse(_ text: String) -> ListenAddress? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : ListenAddress(host: host, port: port)
    }

    /// Listeners bind IP literals: `localhost` becomes 127.0.0.1.
    public var literal: ListenAddress {
        host == "localhost" ? ListenAddress(host: "127.0.0.1", port: port) : self
    }

    /// Whether the host is a loopback address: `localhost`, `::1`, or a dotted-quad 127.x.y.z
    /// (a name that merely starts with "127." is not).
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil && ($0 == "0" || !$0.hasPrefix("0")) }
    }
}
