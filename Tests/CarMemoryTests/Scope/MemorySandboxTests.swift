import CarMemory
import Foundation
import Testing

@Suite("memory sandbox")
struct MemorySandboxTests {
    /// A fresh memory root with a sibling directory outside it and links planted inside.
    private func makeRoot() throws -> (root: String, outside: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString)").path
        let root = base + "/memory", outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/door", withDestinationPath: outside)
        FileManager.default.createFile(atPath: outside + "/secret.json", contents: Data("{}".utf8))
        try FileManager.default.createSymbolicLink(atPath: root + "/alias.json", withDestinationPath: outside + "/secret.json")
        return (root, outside)
    }

    @Test func relativeAndInsidePathsResolveUnderTheRoot() throws {
        let (root, _) = try makeRoot()
        let sandbox = MemorySandbox(root: root)
        let real = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        #expect(try sandbox.resolve("snap.json", creatingParents: false) == real + "/snap.json")
        #expect(try sandbox.resolve("deep/er/snap.json", creatingParents: true) == real + "/deep/er/snap.json")
        #expect(FileManager.default.fileExists(atPath: real + "/deep/er"))
        #expect(try sandbox.resolve(real + "/sub/x.json", creatingParents: false) == real + "/sub/x.json")
    }

    @Test func escapesAreRefusedNamingThePath() throws {
        let (root, outside) = try makeRoot()
        let sandbox = MemorySandbox(root: root)
        for path in ["../escape.json", "sub/../../escape.json", outside + "/x.json", "/etc/passwd", "door/x.json",
                     "alias.json", "", "sub/", ".", "snap.json.tmp-4000000-1", "sub/x.tmp-1-2"] {
            #expect(throws: MemorySandbox.Refusal.self, "\(path) must be refused") {
                try sandbox.resolve(path, creatingParents: true)
            }
        }
        do {
            _ = try sandbox.resolve("door/x.json", creatingParents: false)
        } catch {
            #expect(error.description.contains("'door/x.json'"))
            #expect(error.description.contains("outside the memory root"))
        }
        #expect(!FileManager.default.fileExists(atPath: outside + "/x.json"))
    }
}
