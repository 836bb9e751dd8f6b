import CarJSON
import Testing
@testable import CarA2UI

/// The byte bounds on what surfaces hold: per surface, store-wide, and freed when a surface
/// goes; and the expired surfaces a create makes room with, reported as dropped.
@Suite struct A2UIByteLimitTests {
    typealias F = A2UIFixtures

    @Test func aSurfaceHoldsAtMostItsBytes() throws {
        let store = A2UISurfaceStore(limits: F.limits { $0.maxSurfaceBytes = 2_000 })
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.components("s", [F.text("root", String(repeating: "a", count: 900))]), owner: nil)
        expectRefusal(store, F.components("s", [F.text("more", String(repeating: "b", count: 1_200))]), .limitExceeded)
        // Replacing a component counts its new size, not both.
        _ = try store.apply(F.components("s", [F.text("root", String(repeating: "c", count: 1_500))]), owner: nil)
    }

    @Test func theStoreHoldsAtMostItsBytesAndADeleteFreesThem() throws {
        let store = A2UISurfaceStore(limits: F.limits { $0.maxStoreBytes = 3_000 })
        for id in ["a", "b"] {
            _ = try store.apply(F.create(id), owner: nil)
            _ = try store.apply(F.components(id, [F.text("root", String(repeating: "x", count: 1_200))]), owner: nil)
        }
        _ = try store.apply(F.create("c"), owner: nil)
        expectRefusal(store, F.components("c", [F.text("root", String(repeating: "y", count: 1_200))]), .limitExceeded)
        expectRefusal(store, F.data("c", path: "/big", value: .string(String(repeating: "z", count: 1_200))), .limitExceeded)
        _ = try store.apply(F.delete("a"), owner: nil)
        _ = try store.apply(F.components("c", [F.text("root", String(repeating: "y", count: 1_200))]), owner: nil)
    }

    @Test func aCreateThatNeedsRoomDropsExpiredSurfacesAndSaysWhich() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.maxSurfaces = 2; $0.surfaceTTLSeconds = 10 })
        _ = try store.apply(F.create("old"), owner: nil)
        _ = try store.apply(F.create("kept"), owner: nil)
        clock.advance(seconds: 5)
        _ = try store.apply(F.data("kept", path: "/x", value: 1), owner: nil)
        clock.advance(seconds: 6)
        let result = try store.apply(F.create("new"), owner: nil)
        #expect(result.dropped == ["old"])
        #expect(store.surface("kept") != nil)
        // Recreating an expired id drops the old one, reported too.
        clock.advance(seconds: 11)
        #expect(try store.apply(F.create("kept"), owner: nil).dropped.contains("kept"))
        // An expired surface refuses a delete and stays for the reaper: a refusal changes nothing.
        clock.advance(seconds: 11)
        expectRefusal(store, F.delete("new"), .surfaceNotFound)
        #expect(store.reap().contains("new"))
    }

    @Test func aBoundRefusalSaysWhere() throws {
        let store = A2UISurfaceStore(limits: F.limits { $0.maxStringBytes = 100 })
        _ = try store.apply(F.create("s"), owner: nil)
        expectRefusal(store, F.components("s", [F.column("root", ["t"]), F.text("t", String(repeating: "a", count: 101))]), .limitExceeded,
                      path: "/updateComponents/components/1/text")
        expectRefusal(store, F.components("s", [["id": "root", "component": "Text", "text": ["path": "/a~2"]]]), .invalidMessage,
                      path: "/updateComponents/components/0/text/path")
    }

    @Test func theByteCountComesBackToZero() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.surfaceTTLSeconds = 10 })
        for round in 0..<3 {
            _ = try store.apply(F.create("a"), owner: nil)
            _ = try store.apply(F.components("a", [F.column("root", ["t"]), F.text("t", String(repeating: "x", count: 100 * (round + 1)))]), owner: nil)
            _ = try store.apply(F.components("a", [F.text("t", "short")]), owner: nil)
            _ = try store.apply(F.data("a", path: "/k", value: .string(String(repeating: "v", count: 50))), owner: nil)
            _ = try store.apply(F.create("b"), owner: nil)
            #expect(store.totalBytes > 0)
            _ = try store.apply(F.delete("a"), owner: nil)
            clock.advance(seconds: 11)
            _ = try store.apply(F.create("b"), owner: nil)  // replaces the expired b
            clock.advance(seconds: 11)
            #expect(store.reap() == ["b"])
            #expect(store.totalBytes == 0, "round \(round): \(store.totalBytes)")
        }
    }

    @Test func aChangeExpectingAnotherSurfaceOrRevisionIsStale() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        let drawn = try #require(store.surface("s")).version
        let patch = F.components("s", [F.text("root", "patched")])
        _ = try store.apply(F.data("s", path: "/x", value: 1), owner: nil)
        #expect(throws: A2UIError.self) { try store.commit(try store.prepare(patch, owner: nil, expecting: drawn)) }
        // Deleted and recreated to the same revision: still another surface.
        _ = try store.apply(F.delete("s"), owner: nil)
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.data("s", path: "/x", value: 1), owner: nil)
        let again = try #require(store.surface("s")).version
        #expect(again.revision == 2)
        #expect(throws: A2UIError.self) {
            try store.commit(try store.prepare(patch, owner: nil, expecting: A2UISurfaceVersion(incarnation: drawn.incarnation, revision: 2)))
        }
        _ = try store.commit(try store.prepare(patch, owner: nil, expecting: again))
    }
}
