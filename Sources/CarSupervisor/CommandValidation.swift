import CarFiles
import Glibc

/// The checks an agent's id and command must pass before they are persisted or started.
/// Blocking (stat, realpath): call on the pool.
enum CommandValidation {
    /// Directories anyone may write to: a command there could be swapped by any local user.
    static let scratchRoots = ["/tmp", "/var/tmp", "/dev/shm"]
    /// Room under NAME_MAX for `<id>.stdout.log` plus a temporary's suffix.
    static let maxIDBytes = 128

    static func checkID(_ id: String) throws(AgentError) {
        guard !id.isEmpty, id != ".", id != ".." else {
            throw .invalidSpec("agent id \"\(id)\" is not filename-safe: it must be non-empty and not \".\" or \"..\"")
        }
        guard id.utf8.count <= maxIDBytes else { throw .invalidSpec("agent id is longer than \(maxIDBytes) bytes") }
        for byte in id.utf8 {
            let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
            guard ok else {
                throw .invalidSpec("agent id \"\(id)\" is not filename-safe: only letters, digits and `-_.` are allowed")
            }
        }
    }

    /// nil when the command passes; otherwise the reason, naming the path and the rule.
    static func problem(command: String, forbiddenRoots: [String]) -> String? {
        guard command.hasPrefix("/") else {
            return "command must be an absolute path; PATH lookup is not allowed (got \"\(command)\"; use `interpreter` for a bare program name)"
        }
        guard let resolved = FileSystem.realPath(command) else {
            return "command \(command) does not exist"
        }
        var info = stat()
        guard stat(resolved, &info) == 0 else { return "command \(command) cannot be examined: \(String(cString: strerror(errno)))" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "command \(command) is not a regular file" }
        guard info.st_mode & 0o111 != 0, access(resolved, X_OK) == 0 else {
            return "command file has no execute bit set: \(command)"
        }
        for root in forbiddenRoots {
            let candidates = Set([root, FileSystem.realPath(root) ?? root])
            for candidate in candidates where isUnder(resolved, candidate) || isUnder(command, candidate) {
                let via = resolved == command ? "" : " (resolves to \(resolved))"
                return "command lives under a world-writable scratch directory (\(root)): \(command)\(via)"
            }
        }
        return nil
    }

    static func isUnder(_ path: String, _ root: String) -> Bool {
        let trimmed = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        return path == trimmed || path.hasPrefix(trimmed == "/" ? "/" : trimmed + "/")
    }

    /// The first executable regular file named `name` on `path` (absolute entries only).
    static func resolveInterpreter(_ name: String, path: String?) throws(AgentError) -> String {
        guard !name.contains("/") else {
            throw .invalidSpec("interpreter must be a bare program name looked up on PATH, got \"\(name)\"; put a path in `command` instead")
        }
        let entries = (path ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        for entry in entries {
            let candidate = entry.hasSuffix("/") ? entry + name : entry + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw .invalidSpec("interpreter \"\(name)\" was not found on PATH (\(path ?? "unset"))")
    }
}
