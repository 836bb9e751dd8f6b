import CCarSystem
import CarFiles
import CarJSON
import Glibc
import Synchronization

/// `agents.json`: `{"agents": [spec + "token", ...], ...}`. Keys a newer daemon wrote are kept,
/// at the top level and in each agent. Written atomically with mode 0600 (it holds the tokens).
/// Every function here blocks: call on the pool.
struct ManifestFile {
    struct Entry {
        var spec: AgentSpec
        var token: String?
    }

    static let maxBytes = 16 << 20
    static let maxAgents = 1000

    var entries: [Entry] = []
    var extra: [String: JSONValue] = [:]

    /// A missing file is an empty manifest.
    static func read(_ path: String) throws(AgentError) -> ManifestFile {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readWhole(path, limit: maxBytes)
        } catch {
            if error.code == ENOENT { return ManifestFile() }
            if error.code == EFBIG { throw .io("the agents manifest \(path) is larger than \(maxBytes) bytes") }
            throw .io("cannot read the agents manifest: \(error)")
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return ManifestFile() }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .io("the agents manifest \(path) is not valid JSON: \(error)")
        }
        var manifest = ManifestFile()
        let items: [JSONValue]
        switch value {
        case .array(let list):
            items = list
        case .object(var members):
            guard case .array(let agents) = members.removeValue(forKey: "agents") ?? .array([]) else {
                throw .io("the agents manifest \(path) has an `agents` member that is not an array")
            }
            items = agents
            manifest.extra = members
        default:
            throw .io("the agents manifest \(path) must be an object with an `agents` array")
        }
        guard items.count <= maxAgents else { throw .io("the agents manifest \(path) lists \(items.count) agents; at most \(maxAgents)") }
        var seen = Set<String>()
        for item in items {
            let spec: AgentSpec
            do {
                spec = try AgentSpec(json: item)
                try CommandValidation.checkID(spec.id)
            } catch {
                throw .io("the agents manifest \(path) has an invalid entry: \(error.description)")
            }
            guard seen.insert(spec.id).inserted else { throw .io("the agents manifest \(path) lists agent '\(spec.id)' twice") }
            manifest.entries.append(Entry(spec: spec, token: item["token"]?.stringValue))
        }
        return manifest
    }

    var json: JSONValue {
        var members = extra
        members["agents"] = .array(entries.map { entry in
            guard case .object(var fields) = entry.spec.json else { return entry.spec.json }
            if let token = entry.token { fields["token"] = .string(token) }
            return .object(fields)
        })
        return .object(members)
    }

    func write(to path: String) throws(AgentError) {
        var bytes = Array(JSONWriter.prettyString(json).utf8)
        bytes.append(0x0A)
        do {
            try FileSystem.writeAtomically(bytes, to: path, mode: 0o600)
        } catch {
            throw .io("cannot write the agents manifest: \(error)")
        }
    }
}

/// `<run>/<id>.json` while a child runs: its pid and kernel start time, so a daemon started after
/// a killed one recognises the child that outlived it (and never starts a second copy).
/// Writes and removals go through `io`, so a removal that checks the pid it is for cannot
/// interleave with the write of a replacement's record.
struct RunRecord: Equatable {
    var pid: Int32
    var startTime: UInt64

    static let io = Mutex(())

    static func path(directory: String, id: String) -> String { directory + "/" + id + ".json" }

    func write(directory: String, id: String) throws(AgentError) {
        let value: JSONValue = .object(["pid": .int(Int64(pid)), "start_time": .string(String(startTime))])
        do {
            try Self.io.withLock { _ in
                try FileSystem.writeAtomically(Array(JSONWriter.string(value).utf8), to: Self.path(directory: directory, id: id), mode: 0o600)
            }
        } catch {
            throw .io("cannot write the run record: \(error)")
        }
    }

    static func read(directory: String, id: String) -> RunRecord? {
        guard let bytes = try? FileSystem.readWhole(path(directory: directory, id: id), limit: 4096),
              let value = try? JSONParser.parse(bytes),
              let pid = value["pid"]?.intValue, let pid32 = Int32(exactly: pid), pid32 > 0,
              let start = value["start_time"]?.stringValue.flatMap(UInt64.init) else { return nil }
        return RunRecord(pid: pid32, startTime: start)
    }

    static func remove(directory: String, id: String) {
        io.withLock { _ in FileSystem.remove(path(directory: directory, id: id)) }
    }

    /// Removes the record only while it still names `pid`: the exit of one process never
    /// deletes the record of the agent's next one (a restart may have written it already).
    static func remove(directory: String, id: String, ifPID pid: Int32) {
        io.withLock { _ in
            guard read(directory: directory, id: id)?.pid == pid else { return }
            FileSystem.remove(path(directory: directory, id: id))
        }
    }

    /// Field 22 of /proc/<pid>/stat (clock ticks after boot); nil when the process is gone.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let bytes = try? FileSystem.readWhole("/proc/\(pid)/stat", limit: 4096),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        if fields[0].first == UInt8(ascii: "Z") || fields[0].first == UInt8(ascii: "X") { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

}

/// `flock(LOCK_EX | LOCK_NB)` on `<manifest>.lock`, held for the supervisor's life; the kernel
/// drops it when the process dies, even after kill -9.
enum ManifestLock {
    /// The descriptor, or nil when another process (or another Supervisor in this one) holds it.
    static func acquire(_ path: String) throws(AgentError) -> Int32? {
        do {
            try FileSystem.makeDirectories(FileSystem.parent(of: path))
        } catch {
            throw .io("cannot create the manifest directory: \(error)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("cannot open the supervisor lock \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .io("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    static func release(_ fd: Int32) {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// A live process of an earlier daemon, held by a pidfd: signals reach that process and never
/// one that reused its pid. The pidfd is opened before the start time is compared, and the
/// process is checked to be alive after, so it certainly refers to the recorded process.
final class PinnedProcess: Sendable {
    let pid: Int32
    /// It led its process group at boot (our children do): the group is signalled with it.
    let leadsGroup: Bool
    private let fd: Mutex<Int32>

    private init(pid: Int32, fd: Int32, leadsGroup: Bool) {
        self.pid = pid
        self.leadsGroup = leadsGroup
        self.fd = Mutex(fd)
    }

    deinit { close() }

    /// nil when the recorded process is gone (or its pid now names another process). Blocking.
    static func open(_ record: RunRecord) -> PinnedProcess? {
        let fd = car_pidfd_open(record.pid, 0)
        guard fd >= 0 else { return nil }
        let leads = getpgid(record.pid) == record.pid
        guard RunRecord.startTime(of: record.pid) == record.startTime, car_pidfd_send_signal(fd, 0) == 0 else {
            Glibc.close(fd)
            return nil
        }
        return PinnedProcess(pid: record.pid, fd: fd, leadsGroup: leads)
    }

    /// Runs `body` with the open pidfd (nil when it was closed).
    func withDescriptor<T>(_ body: (Int32) -> T) -> T? {
        fd.withLock { fd in fd >= 0 ? body(fd) : nil }
    }

    /// The process, then its group while the leader still lives (it pins the group id).
    func signal(_ number: Int32) {
        fd.withLock { fd in
            guard fd >= 0, car_pidfd_send_signal(fd, number) == 0 else { return }
            if leadsGroup { kill(-pid, number) }
        }
    }

    /// After its exit: SIGKILL to what is left of its group (as for our own children), then the pidfd closed.
    func exited() {
        if leadsGroup { kill(-pid, SIGKILL) }
        close()
    }

    func close() {
        fd.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }
}
