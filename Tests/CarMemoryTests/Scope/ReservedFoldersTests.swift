import CarMemory
import Foundation
import Testing

/// `memory.persist` / `memory.load` may not reach the folders the daemon keeps under the memory
/// root: namespace snapshots and per-agent memory.
@Suite("memory sandbox: daemon folders")
struct ReservedFoldersTests {
    private func makeRoot() throws -> (root: String, real: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reserved-\(UUID().uuidString)").path + "/memory"
        try FileManager.default.createDirectory(atPath: root + "/memory-namespaces", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/memory-namespaces/other.json", contents: Data("{}".utf8))
        try FileManager.default.createSymbolicLink(atPath: root + "/snapshots", withDestinationPath: root + "/memory-namespaces")
        try FileManager.default.createSymbolicLink(atPath: root + "/linked.json", withDestinationPath: root + "/memory-namespaces/other.json")
        return (root, URL(fileURLWithPath: root).resolvingSymlinksInPath().path)
    }

    @Test func namespaceSnapshotsAndAgentMemoryAreRefusedNamingThePathAndTheRule() throws {
        let (root, real) = try makeRoot()
        let sandbox = MemorySandbox(root: root)
        let cases: [(path: String, folder: String)] = [
            ("memory-namespaces/other.json", "memory-namespaces"),
            ("./memory-namespaces/other.json", "memory-namespaces"),
            (real + "/memory-namespaces/other.json", "memory-namespaces"),
            ("Memory-Namespaces/other.json", "memory-namespaces"),
            ("snapshots/other.json", "memory-namespaces"),     // a link to the folder
            ("linked.json", "memory-namespaces"),              // a link to a snapshot
            ("memory-namespaces", "memory-namespaces"),        // the folder itself
            ("agents/a1/memory.json", "agents"),
            ("agents", "agents"),
        ]
        for (path, folder) in cases {
            for creating in [false, true] {
                do {
                    _ = try sandbox.resolve(path, creatingParents: creating)
                    Issue.record("'\(path)' was allowed")
                } catch {
                    #expect(error.path == path)
                    #expect(error.description.contains("\(real)/\(folder)/ holds"), "\(error)")
                    #expect(error.description.contains("may not reach it"), "\(error)")
                }
            }
        }
        // Refused before anything was made.
        #expect(!FileManager.default.fileExists(atPath: real + "/agents"))
    }

    @Test func similarNamesElsewhereStayAllowed() throws {
        let (root, real) = try makeRoot()
        let sandbox = MemorySandbox(root: root)
        #expect(try sandbox.resolve("memory-namespaces.json", creatingParents: false) == real + "/memory-namespaces.json")
        #expect(try sandbox.resolve("backup/memory-namespaces/x.json", creatingParents: true) == real + "/backup/memory-namespaces/x.json")
        #expect(try sandbox.resolve("agents-notes/x.json", creatingParents: true) == real + "/agents-notes/x.json")
    }
}
