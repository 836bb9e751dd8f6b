@testable import CarA2UI
import CarJSON
import Testing

@Suite struct A2UIPointerTests {
    typealias F = A2UIFixtures

    /// A store holding surface "s", its data model set to `model`.
    static func store(_ model: JSONValue = .object([:]), _ limits: A2UILimits = A2UILimits()) throws -> A2UISurfaceStore {
        let store = TestClock().store(limits)
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.data("s", path: "/", value: model), owner: nil)
        return store
    }

    /// Applies one updateDataModel and answers the model after it.
    static func write(_ store: A2UISurfaceStore, _ path: String?, _ value: JSONValue?) throws -> JSONValue {
        try #require(try store.apply(F.data("s", path: path, value: value), owner: nil).surface).dataModel
    }

    // MARK: Tokens and escapes

    @Test func tokens() throws {
        #expect(try A2UIPointer.tokens("") == [])
        #expect(try A2UIPointer.tokens("/") == [])
        #expect(try A2UIPointer.tokens("//") == [])
        #expect(try A2UIPointer.tokens("/a/b") == ["a", "b"])
        #expect(try A2UIPointer.tokens("a/b") == ["a", "b"])
        #expect(try A2UIPointer.tokens("/a~1b/c~0d") == ["a/b", "c~d"])
        #expect(try A2UIPointer.tokens("/~01") == ["~1"])
        #expect(try A2UIPointer.tokens("/~10") == ["/0"])
        #expect(try A2UIPointer.tokens("/ a/é") == [" a", "é"])
        #expect(throws: A2UIError.self) { _ = try A2UIPointer.tokens("/a~2b") }
        #expect(throws: A2UIError.self) { _ = try A2UIPointer.tokens("/a~") }
        #expect(throws: A2UIError.self) { _ = try A2UIPointer.tokens("~") }
    }

    @Test func escapeRoundTrips() throws {
        #expect(A2UIPointer.escape("plain") == "plain")
        #expect(A2UIPointer.escape("a/b") == "a~1b")
        #expect(A2UIPointer.escape("a~b") == "a~0b")
        #expect(A2UIPointer.escape("~/") == "~0~1")
        for key in ["a/b", "~1", "~0/~", "x"] {
            #expect(try A2UIPointer.tokens("/" + A2UIPointer.escape(key)) == [key])
        }
    }

    @Test func wellFormed() {
        for good in ["", "/", "//", "/a~0", "/a~1b", "a", "../a", "/ "] { #expect(A2UIPointer.isWellFormed(good), "\(good)") }
        for bad in ["~", "/a~", "/a~2", "~x", "/~~0"] { #expect(!A2UIPointer.isWellFormed(bad), "\(bad)") }
    }

    // MARK: updateDataModel through the store

    @Test func setCreatesIntermediateObjects() throws {
        let store = try Self.store()
        #expect(try Self.write(store, "/a/b/c", 1) == ["a": ["b": ["c": 1]]])
        #expect(try Self.write(store, "/a/b/d", "x") == ["a": ["b": ["c": 1, "d": "x"]]])
        #expect(try Self.write(store, "/a/b/c", 2) == ["a": ["b": ["c": 2, "d": "x"]]])
        #expect(try Self.write(store, "/a/b", ["z": true]) == ["a": ["b": ["z": true]]])
        // A null on the way is replaced by an object.
        #expect(try Self.write(store, "/n", nil as JSONValue?) == ["a": ["b": ["z": true]]])
        #expect(try Self.write(store, "/n", .null) == ["a": ["b": ["z": true]], "n": nil])
        #expect(try Self.write(store, "/n/m", 1) == ["a": ["b": ["z": true]], "n": ["m": 1]])
    }

    @Test func absentValueDeletes() throws {
        let store = try Self.store(["a": ["b": 1, "c": 2], "keep": 0])
        #expect(try Self.write(store, "/a/b", nil) == ["a": ["c": 2], "keep": 0])
        // Deleting what is not there changes nothing (and is not refused).
        #expect(try Self.write(store, "/a/zzz", nil) == ["a": ["c": 2], "keep": 0])
        #expect(try Self.write(store, "/missing/deep/key", nil) == ["a": ["c": 2], "keep": 0])
        #expect(try Self.write(store, "/a", nil) == ["keep": 0])
        // An explicit null is a value, not a removal.
        #expect(try Self.write(store, "/keep", .null) == ["keep": nil])
    }

    @Test func relativePathIsFromTheRoot() throws {
        let store = try Self.store()
        #expect(try Self.write(store, "a/b", 1) == ["a": ["b": 1]])
        #expect(try Self.write(store, "a", 2) == ["a": 2])
    }

    @Test func wholeModelForms() throws {
        let store = try Self.store(["old": 1])
        #expect(try Self.write(store, "//", ["new": 1]) == ["new": 1])
        #expect(try Self.write(store, "", ["empty": 1]) == ["empty": 1])
        #expect(try Self.write(store, "/", ["slash": 1]) == ["slash": 1])
        #expect(try Self.write(store, nil, ["absent": 1]) == ["absent": 1])
        // "//a//b" is "/a/b": empty segments are skipped.
        #expect(try Self.write(store, "//a//b", 1) == ["absent": 1, "a": ["b": 1]])
        // No value at the root: an empty model.
        #expect(try Self.write(store, "/", nil) == .object([:]))
        // A scalar or list root is allowed.
        #expect(try Self.write(store, "/", 5) == 5)
        #expect(try Self.write(store, "/", [1, 2]) == [1, 2])
    }

    @Test func escapedKeys() throws {
        let store = try Self.store()
        #expect(try Self.write(store, "/a~1b", 1) == ["a/b": 1])
        #expect(try Self.write(store, "/a~0b", 2) == ["a/b": 1, "a~b": 2])
        #expect(try Self.write(store, "/~01", 3) == ["a/b": 1, "a~b": 2, "~1": 3])
        #expect(try Self.write(store, "/a~1b", nil) == ["a~b": 2, "~1": 3])
    }

    @Test func dashOnAnExistingArrayIsRefused() throws {
        let store = try Self.store(["list": [1, 2]])
        expectRefusal(store, F.data("s", path: "/list/-", value: 3), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "/list/x", value: 3), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "/list/01", value: 3), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "/list/-1", value: 3), .invalidMessage, path: "/updateDataModel/path")
        // Where the parent does not exist yet, "-" is an ordinary key.
        #expect(try Self.write(store, "/other/-", 3) == ["list": [1, 2], "other": ["-": 3]])
    }

    @Test func arrayIndexes() throws {
        let store = try Self.store(["list": ["a", "b"]])
        #expect(try Self.write(store, "/list/0", "A") == ["list": ["A", "b"]])
        #expect(try Self.write(store, "/list/2", "c") == ["list": ["A", "b", "c"]])
        #expect(try Self.write(store, "/list/5", "f") == ["list": ["A", "b", "c", nil, nil, "f"]])
        #expect(try Self.write(store, "/list/3/name", "d") == ["list": ["A", "b", "c", ["name": "d"], nil, "f"]])
        // Deleting past the end changes nothing.
        #expect(try Self.write(store, "/list/9", nil) == ["list": ["A", "b", "c", ["name": "d"], nil, "f"]])
    }

    @Test func arrayGapUpTo1024IsFilledPastItRefused() throws {
        let store = try Self.store(["list": ["a", "b"]])
        expectRefusal(store, F.data("s", path: "/list/\(2 + 1_025)", value: "z"), .limitExceeded, path: "/updateDataModel/path")
        let model = try Self.write(store, "/list/\(2 + 1_024)", "z")
        let list = try #require(model["list"]?.arrayValue)
        #expect(list.count == 2 + 1_024 + 1)
        #expect(list[2..<1_026].allSatisfy { $0 == .null })
        #expect(list.last == "z")
        #expect(list.first == "a")
    }

    @Test func goingThroughAScalarIsRefused() throws {
        let store = try Self.store(["a": 1, "s": "text", "b": true, "list": [1]])
        expectRefusal(store, F.data("s", path: "/a/b", value: 2), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "/s/0", value: 2), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "/b/x/y", value: 2), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "/list/0/x", value: 2), .invalidMessage, path: "/updateDataModel/path")
        // And through a scalar root.
        _ = try Self.write(store, "/", 5)
        expectRefusal(store, F.data("s", path: "/x", value: 1), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "//x", value: 1), .invalidMessage)
        #expect(try #require(store.surface("s")).dataModel == 5)
    }

    @Test func refusedWriteKeepsTheRevision() throws {
        let store = try Self.store(["a": 1])
        let revision = try #require(store.surface("s")).revision
        expectRefusal(store, F.data("s", path: "/a/b", value: 2), .invalidMessage)
        #expect(try #require(store.surface("s")).revision == revision)
        _ = try Self.write(store, "/b", 2)
        #expect(try #require(store.surface("s")).revision == revision + 1)
    }

    @Test func dataModelByteLimitCountsTheWholeModel() throws {
        let limits = F.limits { $0.maxDataModelBytes = 30 }
        let store = try Self.store(.object([:]), limits)
        _ = try Self.write(store, "/a", .string(String(repeating: "x", count: 20)))  // 28 bytes
        expectRefusal(store, F.data("s", path: "/b", value: 1), .limitExceeded, path: "/updateDataModel/value")  // 34
        expectRefusal(store, F.data("s", path: "/", value: .string(String(repeating: "y", count: 40))), .limitExceeded)
        // Replacing with something no larger is fine.
        #expect(try Self.write(store, "/a", "short") == ["a": "short"])
        #expect(try Self.write(store, "/b", 1) == ["a": "short", "b": 1])
    }

    /// The A2UI protocol ("Data model updates"): "If the value is omitted, the key is removed. For
    /// arrays, the value at the index is set to undefined, preserving length." The official
    /// Python data model (a2ui-core 0.4.0 `DataModel.set`) sets the index to None.
    @Test func deletingAnArrayElementPreservesLength() throws {
        let store = try Self.store(["list": ["a", "b", "c"]])
        let model = try Self.write(store, "/list/1", nil)
        #expect(model["list"]?.arrayValue?.count == 3, "\(model)")
        #expect(model == ["list": ["a", nil, "c"]])
    }
}
