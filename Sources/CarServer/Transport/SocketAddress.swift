import CarFiles
import Glibc

/// Creating and binding listening sockets (TCP over IPv4/IPv6, Unix stream sockets). All
/// sockets are non-blocking and close-on-exec.
enum Sockets {
    /// The host part of a URL a local client uses to reach a listener bound to `bindHost`:
    /// a wildcard bind is reached on loopback, an IPv6 literal is bracketed.
    static func urlHost(_ bindHost: String) -> String {
        if bindHost == "0.0.0.0" || bindHost == "::" { return "127.0.0.1" }
        return bindHost.contains(":") ? "[\(bindHost)]" : bindHost
    }

    static let listenBacklog: Int32 = 1024

    struct InvalidAddress: Error, CustomStringConvertible {
        var address: String
        var description: String { "not an IP address: \(address)" }
    }

    struct PathTooLong: Error, CustomStringConvertible {
        var path: String
        var description: String { "Unix socket path longer than 107 bytes: \(path)" }
    }

    struct NotASocket: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) exists and is not a socket; refusing to replace it" }
    }

    /// Binds and listens on host:port; returns the descriptor and the bound port.
    static func listenTCP(host: String, port: Int) throws -> (fd: Int32, port: Int) {
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                address.pointee.sin_family = sa_family_t(AF_INET)
                address.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                address.pointee.sin_addr = v4
            }
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                address.pointee.sin6_family = sa_family_t(AF_INET6)
                address.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                address.pointee.sin6_addr = v6
            }
        } else {
            throw InvalidAddress(address: host)
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.lastErrno("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, listenBacklog) == 0 else {
            let error = SystemError.lastErrno("bind \(host):\(port)")
            close(fd)
            throw error
        }
        return (fd, boundPort(fd))
    }

    private static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // sin_port and sin6_port both sit right after the 2-byte family.
        return withUnsafeBytes(of: &storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
    }

    /// Binds a Unix stream socket with mode 0600. An existing socket file that nobody answers
    /// on is stale and replaced; one that answers belongs to a live server (`UnixSocketInUse`).
    static func listenUnix(path: String) throws -> (fd: Int32, identity: FileIdentity) {
        guard path.utf8.count <= 107 else { throw PathTooLong(path: path) }
        try FileSystem.makeDirectories(FileSystem.parent(of: path))
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else { throw NotASocket(path: path) }
            if isAnswering(path) { throw UnixSocketInUse(path: path) }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.lastErrno("socket") }
        var address = unixAddress(path)
        // The umask narrows the mode bind() creates the file with, so no other user can
        // connect even in the instant before the chmod below.
        let previousMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previousMask)
        guard bound == 0, listen(fd, listenBacklog) == 0 else {
            let error = SystemError.lastErrno("bind \(path)")
            close(fd)
            throw error
        }
        chmod(path, 0o600)
        return (fd, FileIdentity(path: path) ?? FileIdentity(device: 0, inode: 0))
    }

    /// A blocking connect to a Unix socket answers at once: accepted (live) or refused (stale).
    static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0 || errno == EAGAIN
    }

    private static func unixAddress(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// "127.0.0.1:53122" for TCP peers, "unix" for Unix-socket peers: for logs.
    static func peerDescription(_ fd: Int32) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard result == 0 else { return "unknown" }
        return withUnsafeBytes(of: &storage) { raw -> String in
            let family = Int32(raw.load(as: sa_family_t.self))
            let port = UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self))
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            switch family {
            case AF_INET:
                inet_ntop(AF_INET, raw.baseAddress! + 4, &text, socklen_t(text.count))
                return "\(String(cString: text)):\(port)"
            case AF_INET6:
                inet_ntop(AF_INET6, raw.baseAddress! + 8, &text, socklen_t(text.count))
                return "[\(String(cString: text))]:\(port)"
            default:
                return "unix"
            }
        }
    }
}

/// Device and inode of a file: lets shutdown unlink the socket only if it is still ours.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
