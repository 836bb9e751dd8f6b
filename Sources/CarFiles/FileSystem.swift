import Glibc
import Synchronization

/// The few file operations the daemon needs, on Glibc directly: atomic writes (temp file,
/// fsync, rename, fsync of the directory) so a crash leaves the old file or the new one,
/// never a torn one. Shared by the daemon (token files) and the memory engine (snapshots).
public enum FileSystem {
    /// Makes every temporary name unique within the process, so two writers of one file
    /// (two sessions bound to one memory namespace) never share a temporary.
    static let temporaryCounter = Atomic<UInt64>(0)
    /// The most bytes `writeAtomically` appends to a file name for its temporary:
    /// `.tmp-` + a pid (up to 10 digits) + `-` + a UInt64 counter (up to 20). A name that must
    /// be written atomically has to leave this much room under `NAME_MAX`.
    public static let temporarySuffixMaxBytes = 5 + 10 + 1 + 20

    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var code: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    /// Creates the directory and its missing parents with `mode` (existing ones are left alone).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(Failure) {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw Failure(path: current, operation: "mkdir", code: errno)
            }
        }
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The path with every link and `.`/`..` resolved; nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// With `creatingDirectories: false` a missing directory is an error: callers that confine
    /// writes (the memory sandbox) decide themselves which directories may be made.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t, creatingDirectories: Bool = true) throws(Failure) {
        if creatingDirectories { try makeDirectories(parent(of: path)) }
        let temporary = try createTemporary(for: path, mode: mode)
        if let code = writeAll(temporary.descriptor, bytes) {
            discard(temporary)
            throw Failure(path: temporary.path, operation: "write", code: code)
        }
        try publish(temporary, as: path)
    }

    /// A file being written beside `path` that will replace it in one rename: the first half
    /// of an atomic write, for writers that fill it in several steps (a memory log's
    /// compaction appends what raced it before the rename).
    public struct Temporary: Sendable {
        public let path: String
        public let descriptor: Int32
    }

    /// Creates `<path>.tmp-<pid>-<n>` (exclusively, with exactly `mode`), opened for appending.
    /// The name has the shape the startup sweep of stale temporaries recognizes, so one a
    /// killed writer leaves is removed later.
    public static func createTemporary(for path: String, mode: mode_t) throws(Failure) -> Temporary {
        // A name left by an earlier process with this same pid (a killed daemon that was also
        // pid 1 in its container) is skipped rather than failing the write.
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<64 {
            temporary = "\(path).tmp-\(getpid())-\(temporaryCounter.add(1, ordering: .relaxed).newValue)"
            fd = open(temporary, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw Failure(path: temporary, operation: "open", code: errno) }
        // The mode given to open() is filtered by the umask; the token must be exactly 0600.
        fchmod(fd, mode)
        return Temporary(path: temporary, descriptor: fd)
    }

    /// The second half: fsyncs the temporary, renames it over `path` and fsyncs the directory,
    /// so after a crash the old file or the new one is there, never a torn one. The
    /// temporary's descriptor is closed unless `keepingOpen` (then the caller owns it, and it
    /// now writes to `path`). On failure the temporary is removed.
    public static func publish(_ temporary: Temporary, as path: String, keepingOpen: Bool = false) throws(Failure) {
        if fsync(temporary.descriptor) != 0 {
            let code = errno
            discard(temporary)
            throw Failure(path: temporary.path, operation: "fsync", code: code)
        }
        if rename(temporary.path, path) != 0 {
            let code = errno
            discard(temporary)
            throw Failure(path: path, operation: "rename", code: code)
        }
        if !keepingOpen { close(temporary.descriptor) }
        syncDirectory(of: path)
    }

    /// Closes and removes a temporary that will not be published.
    public static func discard(_ temporary: Temporary) {
        close(temporary.descriptor)
        unlink(temporary.path)
    }

    /// Makes a rename or unlink in `path`'s directory durable.
    public static func syncDirectory(of path: String) {
        let directoryFD = open(parent(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Writes every byte (retrying short writes and EINTR); nil when done, else the errno.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// The whole file, refusing one over `limit` bytes rather than reading part of it.
    public static func readWhole(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
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

    public static func remove(_ path: String) {
        unlink(path)
    }
}
