import Glibc
import Testing
@testable import CarFiles

@Suite("stale temporaries")
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
        let files = ["facts.json.tmp-\(dead)-3", "live.json.tmp-\(getpid())-1", "facts.json", "odd.tmp-x-1",
                     "deep/er/snap.json.tmp-\(dead)-9", "deep/er/er/er/er/too-deep.json.tmp-\(dead)-1"]
        for file in files {
            try FileSystem.writeAtomically(Array("x".utf8), to: root + "/" + file, mode: 0o600)
        }
        let removed = FileSystem.removeStaleTemporaries(under: root, depth: 3)
        #expect(Set(removed) == [root + "/facts.json.tmp-\(dead)-3", root + "/deep/er/snap.json.tmp-\(dead)-9"])
        for file in files {
            let expected = !removed.contains(root + "/" + file)
            #expect(FileSystem.exists(root + "/" + file) == expected, "\(file)")
        }
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
