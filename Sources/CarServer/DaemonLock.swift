import CarFiles
import Glibc

/// The primary-daemon lock (`run/daemon.lock`): one daemon per state root owns the shared token
/// files and socket path. Held for the life of the process; the kernel drops it on exit, even
/// after kill -9, so a crash never leaves a stale lock.
public final class DaemonLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// nil when another live daemon holds the lock (or the file cannot be opened).
    public static func acquire(path: String) -> DaemonLock? {
        try? FileSystem.makeDirectories(FileSystem.parent(of: path))
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return DaemonLock(descriptor: fd)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
