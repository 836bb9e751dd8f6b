import Glibc
import Testing
@testable import CarFiles

@Suite("stale temporaries", .serialized)
struct StaleTemporariesTests {
    /// A pid that certainly belongs to no process: a child that ran and was reaped.
    private func deadPID() throws -> pid_t {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        #expect(posix_spawn(&pid, "/bin/true", nil, nil, argv, nil) == 0)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return pid
    }

    @Test func onlyTemporariesOfDeadWritersAreRemoved() throws {
        var template = Array("/tmp/car-sweep-XXXXXX".utf8CString)
        let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let dead = try deadPID()
        let files = ["facts.json.tmp-\(dead)-3", "live.json.tmp-\(getpid())-1", "facts.json", "odd.tmp-x-1", "other.json.tmp-1-1",
                     "deep/er/snap.json.tmp-\(dead)-9", "deep/er/er/er/er/too-deep.json.tmp-\(dead)-1"]
        for file in files {
            try FileSystem.writeAtomically(Array("x".utf8), to: root + "/" + file, mode: 0o600)
            age(root + "/" + file, seconds: 60)
        }
        let fresh = "fresh.json.tmp-\(dead)-4"
        try FileSystem.writeAtomically(Array("x".utf8), to: root + "/" + fresh, mode: 0o600)
        let removed = FileSystem.removeStaleTemporaries(in: root, depth: 3)
        // Our own pid counts as gone (the sweep runs before this process writes), but a file
        // written to within the quiet period is kept whoever wrote it.
        #expect(Set(removed) == [root + "/facts.json.tmp-\(dead)-3", root + "/deep/er/snap.json.tmp-\(dead)-9",
                                 root + "/live.json.tmp-\(getpid())-1"])
        #expect(FileSystem.exists(root + "/" + fresh))
        for file in files {
            let expected = !removed.contains(root + "/" + file)
            #expect(FileSystem.exists(root + "/" + file) == expected, "\(file)")
        }
    }

    /// Sets a file's modification time `seconds` into the past.
    private func age(_ path: String, seconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var times = [timespec(tv_sec: now.tv_sec - seconds, tv_nsec: 0), timespec(tv_sec: now.tv_sec - seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test func aLeftoverWithThisPidDoesNotBlockTheNextWrite() throws {
        var template = Array("/tmp/car-sweep-XXXXXX".utf8CString)
        let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        // Names this process will try next, as a killed earlier process with the same pid left them.
        let next = FileSystem.temporaryCounter.load(ordering: .relaxed) + 1
        for n in next..<next + 8 {
            let fd = open(root + "/f.json.tmp-\(getpid())-\(n)", O_CREAT | O_WRONLY, 0o600)
            close(fd)
        }
        try FileSystem.writeAtomically(Array("ok".utf8), to: root + "/f.json", mode: 0o600)
        #expect(try FileSystem.readWhole(root + "/f.json", limit: 16) == Array("ok".utf8))
    }

    @Test func temporaryNamesAreRecognizedExactly() {
        #expect(FileSystem.temporaryWriter(of: "a.json.tmp-123-4") == 123)
        #expect(FileSystem.temporaryWriter(of: "a.tmp-1.json.tmp-77-0") == 77)
        #expect(FileSystem.temporaryWriter(of: "a.json.tmp-123") == nil)
        #expect(FileSystem.temporaryWriter(of: "a.json.tmp-0-1") == nil)
        #expect(FileSystem.temporaryWriter(of: "a.json.tmp-12-x") == nil)
        #expect(FileSystem.temporaryWriter(of: "a.json") == nil)
    }
}
