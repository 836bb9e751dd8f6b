import CarJSON
import Glibc

/// The POSIX calls the file tools share. Every function here blocks: callers run on the
/// blocking pool.
enum FileIO {
    /// Opens a regular file for reading without blocking on a FIFO or device first
    /// (`O_NONBLOCK`), then refuses anything that is not a regular file: reading `/dev/zero`
    /// or a pipe nobody writes to would never end.
    static func openRegular(_ path: String, operation: String) throws(BuiltinToolError) -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw BuiltinToolError.system(operation, path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw BuiltinToolError.system(operation, path, code)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            let kind = info.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file"
            throw BuiltinToolError("\(operation) \(path): \(kind)")
        }
        return (fd, Int(info.st_size))
    }

    /// Up to `limit` bytes from `offset`.
    static func read(_ fd: Int32, offset: Int, limit: Int, path: String, operation: String) throws(BuiltinToolError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + filled, limit - filled, off_t(offset + filled))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw BuiltinToolError.system(operation, path)
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// The whole file, refused past `limit` bytes (an edit of a truncated read would cut the file).
    static func readWhole(_ path: String, limit: Int, operation: String) throws(BuiltinToolError) -> [UInt8] {
        let (fd, size) = try openRegular(path, operation: operation)
        defer { close(fd) }
        guard size <= limit else {
            throw BuiltinToolError("\(operation) \(path): the file has \(size) bytes; at most \(limit) may be edited")
        }
        let bytes = try read(fd, offset: 0, limit: limit + 1, path: path, operation: operation)
        guard bytes.count <= limit else {
            throw BuiltinToolError("\(operation) \(path): the file grew past \(limit) bytes while being read")
        }
        return bytes
    }

    /// Replaces the file atomically: a temporary beside it, written, fsynced and renamed over
    /// it, so a reader sees the old content or the new, never a half-written file. An existing
    /// file keeps its permission bits.
    static func writeAtomically(_ path: String, _ bytes: [UInt8], operation: String) throws(BuiltinToolError) {
        var mode: mode_t = 0o644
        var existing = stat()
        if stat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFREG else {
                throw BuiltinToolError("\(operation) \(path): \(existing.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file")")
            }
            mode = existing.st_mode & 0o7777
        }
        let temporary = path + ".car-tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw BuiltinToolError.system(operation, path) }
        var failure: BuiltinToolError?
        var written = 0
        while written < bytes.count {
            let wrote = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if wrote < 0 {
                if errno == EINTR { continue }
                failure = .system(operation, path)
                break
            }
            written += wrote
        }
        if failure == nil, fsync(fd) != 0 { failure = .system(operation, path) }
        if close(fd) != 0, failure == nil { failure = .system(operation, path) }
        if failure == nil, rename(temporary, path) != 0 { failure = .system(operation, path) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    /// Creates the missing directories above `path` (mode 0755).
    static func createParents(of path: String, operation: String) throws(BuiltinToolError) {
        var components = path.split(separator: "/", omittingEmptySubsequences: true).dropLast()
        var current = ""
        while let next = components.first {
            components = components.dropFirst()
            current += "/" + next
            if mkdir(current, 0o755) != 0, errno != EEXIST { throw BuiltinToolError.system(operation, current) }
        }
    }

    /// The longest prefix of `bytes` that does not end inside a UTF-8 sequence.
    static func utf8Prefix(_ bytes: ArraySlice<UInt8>, limit: Int) -> ArraySlice<UInt8> {
        UTF8Cut.prefix(bytes, limit: limit)
    }
}
