import CCarSystem
import Foundation
import Glibc

/// posix_spawn without a shell, shared by `ProcessRunner` (a tool child on a pipe) and the agent
/// supervisor (a long-lived child in its own process group, output appended to log files).
///
/// Every child starts with an empty signal mask and default dispositions for the signals the
/// daemon ignores (SIGINT, SIGTERM, SIGPIPE, ...): ignored dispositions survive exec, and a
/// child that ignores SIGTERM could not be stopped gracefully.
public enum ChildSpawn {
    /// Where one of the child's standard descriptors points.
    public enum Redirect: Sendable {
        case devNull
        /// A descriptor of ours, dup2'ed into place (ours may be close-on-exec; the copy is not).
        case descriptor(Int32)
    }

    public struct Options: Sendable {
        public var executable: String
        public var arguments: [String]
        /// `KEY=VALUE` entries; nil inherits the daemon's environment.
        public var environment: [String]?
        public var workingDirectory: String?
        public var stdin: Redirect
        public var stdout: Redirect
        public var stderr: Redirect
        /// The child leads a new process group (pgid = its pid), so the whole group can be signalled.
        public var newProcessGroup: Bool

        public init(executable: String, arguments: [String], environment: [String]? = nil, workingDirectory: String? = nil,
                    stdin: Redirect = .devNull, stdout: Redirect = .devNull, stderr: Redirect = .devNull, newProcessGroup: Bool = false) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
            self.newProcessGroup = newProcessGroup
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        /// The errno behind it (0 when none).
        public var code: Int32 = 0
    }

    /// Held while a descriptor that is not yet close-on-exec exists (ProcessRunner's pipe) and
    /// across every spawn, so no child inherits another child's pipe.
    static let lock = NSLock()

    /// Spawns the child and returns its pid. Blocking (fork/exec cost): call it on the pool.
    public static func spawn(_ options: Options) throws(Failure) -> pid_t {
        lock.lock()
        defer { lock.unlock() }
        return try spawnLocked(options)
    }

    /// `spawn` for a caller already holding `lock`.
    static func spawnLocked(_ options: Options) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let directory = options.workingDirectory {
            let result = car_spawn_file_actions_addchdir(&actions, directory)
            if result != 0 { throw Failure(description: "cannot set the working directory \(directory): \(String(cString: strerror(result)))", code: result) }
        }
        for (target, redirect) in [(Int32(0), options.stdin), (1, options.stdout), (2, options.stderr)] {
            switch redirect {
            case .devNull: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        // After the dup2s: a child holds its three streams and nothing else of ours (a log or
        // socket opened without close-on-exec, a file another thread is writing).
        let closing = car_spawn_file_actions_addclosefrom(&actions, 3)
        if closing != 0 { throw Failure(description: "cannot prepare the child's descriptors: \(String(cString: strerror(closing)))", code: closing) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        if options.newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = ([options.executable] + options.arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = options.environment.map { $0.map { strdup($0) } + [nil] }
        defer { if let envp { for pointer in envp { free(pointer) } } }
        var pid: pid_t = 0
        let spawned: Int32
        if let envp {
            spawned = posix_spawn(&pid, options.executable, &actions, &attributes, argv, envp)
        } else {
            spawned = posix_spawn(&pid, options.executable, &actions, &attributes, argv, environ)
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(options.executable): \(String(cString: strerror(spawned)))", code: spawned)
        }
        return pid
    }
}

/// Fresh secrets from the system's CSPRNG, in the unpadded URL-safe base64 alphabet (32 bytes:
/// 43 characters). The same format as CarWebSocket's `Base64.randomURLToken`, for domain
/// targets that do not link the wire codecs (the supervisor's per-agent tokens).
public enum RandomToken {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func urlSafe(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            out.append(alphabet[Int(group >> 18)])
            out.append(alphabet[Int(group >> 12 & 63)])
            if count > 1 { out.append(alphabet[Int(group >> 6 & 63)]) }
            if count > 2 { out.append(alphabet[Int(group & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
