import Glibc
import Synchronization

/// Whole-file reads and crash-safe replacement for memory snapshots: the new content goes
/// to a temporary file in the same directory (so the rename cannot cross filesystems), is
/// fsynced, renamed over the target, and the directory is fsynced so the rename itself
/// survives a crash. A reader sees the old snapshot or the new one, never a torn one.
enum AtomicFile {
    struct Failure: Error, Sendable, CustomStringConvertible {
        var path: String
        var operation: String
        var code: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    /// Distinguishes concurrent writers in one process; the pid covers other processes.
    private static let sequence = Atomic<UInt64>(0)

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(Failure) {
        let serial = sequence.add(1, ordering: .relaxed).newValue
        let temporary = "\(path).tmp-\(getpid())-\(serial)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: temporary, operation: "open", code: errno) }
        func fail(_ operation: String) -> Failure {
            let code = errno
            close(fd)
            unlink(temporary)
            return Failure(path: temporary, operation: operation, code: code)
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            offset += written
        }
        if fsync(fd) != 0 { throw fail("fsync") }
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw Failure(path: path, operation: "rename", code: code)
        }
        let directoryFD = open(parent(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw Failure(path: parent(of: path), operation: "open", code: errno) }
        defer { close(directoryFD) }
        if fsync(directoryFD) != 0 { throw Failure(path: parent(of: path), operation: "fsync", code: errno) }
    }

    static func read(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, operation: "read", code: errno)
            }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit { throw Failure(path: path, operation: "read", code: EFBIG) }
        }
    }
}
