import CarFiles
import CarJSON
import Glibc

/// `messaging.json` on disk: one section per channel plus whatever a newer daemon wrote. Two
/// daemons may share a state root, so every change is made under an advisory lock on a
/// sibling `.lock` file against the file as it is on disk then, never against a copy read at
/// startup.
struct MessagingConfigFile: Sendable {
    static let maxBytes = 1 << 20

    struct Contents: Sendable, Equatable {
        var channels: [MessagingChannel: ChannelSettings] = [:]
        var unknownSections: [String: JSONValue] = [:]
    }

    /// What identifies one version of the file, to notice another process's write.
    struct Stamp: Sendable, Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    let path: String

    func stamp() -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Stamp(inode: UInt64(info.st_ino), size: Int64(info.st_size),
                     modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// The contents, empty when there is no file; `.storage` when it cannot be read or does
    /// not have the expected shape (nothing is guessed, so nothing is overwritten unseen).
    func read() throws(MessagingError) -> Contents {
        guard FileSystem.exists(path) else { return Contents() }
        let document: JSONValue
        do {
            document = try JSONParser.parse(FileSystem.readWhole(path, limit: Self.maxBytes))
        } catch {
            throw .storage("\(path) cannot be read: \(error)")
        }
        guard case .object(var sections) = document else { throw .storage("\(path) is not a JSON object") }
        var contents = Contents()
        for channel in MessagingChannel.allCases {
            guard let section = sections.removeValue(forKey: channel.rawValue) else { continue }
            do {
                contents.channels[channel] = try ChannelSettings(json: section)
            } catch {
                throw .storage("\(path): section '\(channel.rawValue)': \(error)")
            }
        }
        contents.unknownSections = sections
        return contents
    }

    func write(_ contents: Contents) throws(MessagingError) {
        var document = contents.unknownSections
        for (channel, settings) in contents.channels { document[channel.rawValue] = settings.json }
        let bytes = JSONWriter.bytes(.object(document))
        // Never save what the next start would refuse to read.
        guard bytes.count <= Self.maxBytes else {
            throw .invalid("the messaging configuration would be \(bytes.count) bytes; at most \(Self.maxBytes)")
        }
        do {
            try FileSystem.writeAtomically(bytes, to: path, mode: 0o600)
        } catch {
            throw .storage("cannot save \(path): \(error); nothing changed")
        }
    }

    /// Runs `body` holding an exclusive `flock` on `<path>.lock`.
    func withLock<T>(_ body: () throws(MessagingError) -> T) throws(MessagingError) -> T {
        do {
            try FileSystem.makeDirectories(FileSystem.parent(of: path))
        } catch {
            throw .storage("cannot create the directory of \(path): \(error)")
        }
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .storage("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .storage("cannot lock \(path).lock: \(String(cString: strerror(errno)))") }
        }
        return try body()
    }

    /// Moves an unreadable file out of the way (never deletes it); answers where it went.
    func moveAside() -> String? {
        let aside = "\(path).unreadable-\(RFC3339.nowMicros() / 1000)"
        return rename(path, aside) == 0 ? aside : nil
    }
}
