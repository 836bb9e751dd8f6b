import CarEngine
import CarJSON
import Foundation
import Testing

@Suite("built-in tools: files, walks and bounds")
struct BuiltinToolsTests {
    let tools = BuiltinTools()

    func run(_ name: String, _ parameters: JSONValue) async -> ToolOutcome {
        await tools.run(name, parameters: parameters)
    }

    func success(_ name: String, _ parameters: JSONValue) async throws -> JSONValue {
        let outcome = await run(name, parameters)
        guard case .success(let value) = outcome else {
            Issue.record("\(name) \(parameters): \(outcome)")
            throw CancellationError()
        }
        return value
    }

    func failure(_ name: String, _ parameters: JSONValue) async -> String {
        if case .failure(let message) = await run(name, parameters) { return message }
        Issue.record("\(name) \(parameters) did not fail")
        return ""
    }

    @Test func readsWritesAndEdits() async throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/notes.txt"
        let written = try await success("write_file", ["path": .string(path), "content": "alpha\nbeta\nalpha\n"])
        #expect(written["bytes_written"] == 17)
        #expect(written["created"] == true)
        let read = try await success("read_file", ["path": .string(path)])
        #expect(read["content"] == "alpha\nbeta\nalpha\n")
        #expect(read["truncated"] == false)
        #expect(read["size"] == 17)

        #expect(await failure("edit_file", ["path": .string(path), "old": "alpha", "new": "gamma"]).contains("occurs 2 times"))
        #expect(await failure("edit_file", ["path": .string(path), "old": "delta", "new": "x"]).contains("does not occur"))
        #expect(try await success("edit_file", ["path": .string(path), "old": "beta", "new": "BETA"])["replacements"] == 1)
        #expect(try await success("edit_file", ["path": .string(path), "old": "alpha", "new": "a", "replace_all": true])["replacements"] == 2)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a\nBETA\na\n")

        let window = try await success("read_file", ["path": .string(path), "offset": 2, "max_bytes": 4])
        #expect(window["content"] == "BETA")
        #expect(window["truncated"] == true)
        let nested = try await success("write_file", ["path": .string(dir + "/a/b/c.txt"), "content": "x", "create_dirs": true])
        #expect(nested["created"] == true)
    }

    @Test func truncatesLargeReadsAtACharacterBoundary() async throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/big.txt"
        // 'é' is two bytes: a cut at an odd byte would split one.
        try String(repeating: "é", count: 600_000).write(toFile: path, atomically: false, encoding: .utf8)
        let read = try await success("read_file", ["path": .string(path)])
        #expect(read["truncated"] == true)
        #expect(read["bytes"] == JSONValue.int(1 << 20))
        #expect(read["content"]?.stringValue?.utf8.count == 1 << 20)
        let odd = try await success("read_file", ["path": .string(path), "max_bytes": 3])
        #expect(odd["content"] == "é")
    }

    @Test func refusesBadPathsAndNonRegularFiles() async throws {
        #expect(await failure("read_file", ["path": "/nonexistent/car-basics"]).contains("No such file or directory"))
        #expect(await failure("read_file", ["path": "bad\u{0}path"]).contains("NUL"))
        #expect(await failure("read_file", ["path": ""]).contains("must not be empty"))
        #expect(await failure("read_file", [:]).contains("missing string parameter 'path'"))
        #expect(await failure("read_file", ["path": 3]).contains("must be a string"))
        #expect(await failure("read_file", ["path": "/tmp"]).contains("a directory"))
        #expect(await failure("read_file", ["path": "/dev/zero"]).contains("not a regular file"))
        #expect(await failure("write_file", ["path": "/tmp", "content": "x"]).contains("a directory"))
        #expect(await failure("read_file", .array([])).contains("must be an object"))
        #expect(await failure("no_such_tool", [:]).contains("not a built-in tool"))
    }

    @Test func relativePathsResolveAgainstTheCurrentDirectory() async throws {
        let read = try await success("list_dir", [:])
        #expect(read["path"]?.stringValue?.hasPrefix(FileManager.default.currentDirectoryPath) == true)
    }

    @Test func listsFindsAndGreps() async throws {
        let dir = Fixture.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/src/deep", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/.git", withIntermediateDirectories: true)
        try "let x = 1\nlet Needle = 2\n".write(toFile: dir + "/src/a.swift", atomically: false, encoding: .utf8)
        try "needle here\n".write(toFile: dir + "/src/deep/b.txt", atomically: false, encoding: .utf8)
        try "needle in git\n".write(toFile: dir + "/.git/config", atomically: false, encoding: .utf8)
        try Data([0x6E, 0x65, 0x65, 0x64, 0x6C, 0x65, 0x00]).write(to: URL(fileURLWithPath: dir + "/bin.dat"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop", withDestinationPath: dir)

        let listing = try await success("list_dir", ["path": .string(dir)])
        let names = listing["entries"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == [".git", "bin.dat", "loop", "src"])
        #expect(listing["entries"]?[2]?["type"] == "symlink")

        let found = try await success("find_files", ["pattern": "*.swift", "path": .string(dir)])
        #expect(found["matches"] == ["src/a.swift"])
        let byPath = try await success("find_files", ["pattern": "src/*/*", "path": .string(dir)])
        #expect(byPath["matches"] == ["src/deep/b.txt"])

        let grep = try await success("grep_files", ["pattern": "needle", "path": .string(dir), "ignore_case": true])
        let hits = grep["matches"]?.arrayValue?.map { "\($0["path"]?.stringValue ?? ""):\($0["line"]?.intValue ?? 0)" }.sorted()
        #expect(hits == ["src/a.swift:2", "src/deep/b.txt:1"], "binary, .git and the link loop are skipped")
        let exact = try await success("grep_files", ["pattern": "needle", "path": .string(dir), "glob": "*.swift"])
        #expect(exact["matches"] == [])
        let oneFile = try await success("grep_files", ["pattern": "Needle", "path": .string(dir + "/src/a.swift")])
        #expect(oneFile["matches"]?[0]?["text"] == "let Needle = 2")
    }

    @Test func walksAndResultsAreBounded() async throws {
        let dir = Fixture.temporaryDirectory()
        for index in 0..<30 { try "hit\n".write(toFile: dir + "/f\(index).txt", atomically: false, encoding: .utf8) }
        var limits = BuiltinToolLimits()
        limits.maxFindResults = 5
        limits.maxGrepMatches = 7
        let small = BuiltinTools(limits: limits)
        guard case .success(let found) = await small.run("find_files", parameters: ["pattern": "*.txt", "path": .string(dir)]) else {
            Issue.record("find failed"); return
        }
        #expect(found["matches"]?.arrayValue?.count == 5)
        #expect(found["truncated"] == true)
        guard case .success(let grep) = await small.run("grep_files", parameters: ["pattern": "hit", "path": .string(dir)]) else {
            Issue.record("grep failed"); return
        }
        #expect(grep["matches"]?.arrayValue?.count == 7)
        #expect(grep["truncated"] == true)

        limits = BuiltinToolLimits()
        limits.maxVisited = 10
        guard case .success(let walked) = await BuiltinTools(limits: limits).run("find_files", parameters: ["pattern": "*", "path": .string(dir)]) else {
            Issue.record("find failed"); return
        }
        #expect(walked["visited"] == 10)
        #expect(walked["truncated"] == true)
        #expect((walked["matches"]?.arrayValue?.count ?? 99) <= 10)
    }

    @Test func calculates() async throws {
        let value = try await success("calculate", ["expression": "2*(3+4)"])
        #expect(value == ["expression": "2*(3+4)", "result": 14])
        #expect(try await success("calculate", ["expression": "1/4"])["result"] == 0.25)
        #expect(await failure("calculate", ["expression": .string(String(repeating: "1+", count: 600) + "1")]).contains("at most 1024"))
    }
}
