@testable import CarA2UI
import CarJSON
import Testing

@Suite struct A2UIStoreTests {
    typealias F = A2UIFixtures
    static let basic = A2UICatalog.basicID

    static func create(_ id: String, catalog: String = basic) -> JSONValue { F.create(id, catalog: catalog) }

    static func components(_ id: String, _ list: [JSONValue]) -> JSONValue { F.components(id, list) }

    /// A store holding surface "s" with a root, a title and a data model, at a fixed clock.
    static func populated(_ limits: A2UILimits = A2UILimits()) throws -> (A2UISurfaceStore, TestClock) {
        let clock = TestClock()
        let store = clock.store(limits)
        _ = try store.apply(F.create("s"), owner: .session(clientID: "c1"))
        _ = try store.apply(F.components("s", [F.column("root", ["title"]), F.text("title", "Hello")]), owner: nil)
        _ = try store.apply(F.data("s", path: "/user", value: ["name": "Ada", "tags": ["a", "b"]]), owner: nil)
        return (store, clock)
    }

    @Test func createThenUpdateBuildsTheTree() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(Self.create("s"), owner: .session(clientID: "c1"))
        let result = try store.apply(Self.components("s", [
            ["id": "root", "component": "Column", "children": ["title"]],
            ["id": "title", "component": "Text", "text": "Hello"],
        ]), owner: nil)
        let surface = try #require(result.surface)
        #expect(surface.order == ["root", "title"])
        #expect(surface.revision == 2)
        #expect(surface.diagnostics.isComplete)
        #expect(surface.owner == .session(clientID: "c1"))
    }

    // MARK: Refusals change nothing

    @Test func invalidMessageChangesNothing() throws {
        let (store, _) = try Self.populated()
        let revision = try #require(store.surface("s")).revision
        expectRefusal(store, ["version": "v0.8", "deleteSurface": ["surfaceId": "s"]], .invalidMessage, path: "/version")
        expectRefusal(store, ["version": "v0.9", "deleteSurface": ["surfaceId": "s", "extra": 1]], .invalidMessage,
                      path: "/deleteSurface/extra")
        expectRefusal(store, ["version": "v0.9", "updateComponents": ["surfaceId": "s", "components": []]], .invalidMessage,
                      path: "/updateComponents/components")
        expectRefusal(store, F.data("s", path: "/user/~2", value: 1), .invalidMessage)
        expectRefusal(store, F.data("s", path: "/user/tags/-", value: "c"), .invalidMessage, path: "/updateDataModel/path")
        expectRefusal(store, F.data("s", path: "/user/name/first", value: "A"), .invalidMessage, path: "/updateDataModel/path")
        #expect(try #require(store.surface("s")).revision == revision)
    }

    @Test func unsupportedCatalogChangesNothing() throws {
        let (store, _) = try Self.populated()
        expectRefusal(store, F.create("t", catalog: "https://example.com/catalog.json"), .unsupportedCatalog,
                      path: "/createSurface/catalogId")
        #expect(store.surface("t") == nil)
        #expect(store.surfaces().map(\.id) == ["s"])
    }

    @Test func unsupportedComponentChangesNothing() throws {
        let (store, _) = try Self.populated()
        // The first component is valid: a partial apply would show it.
        let error = expectRefusal(store, F.components("s", [F.text("title", "Changed"), ["id": "b", "component": "Badge", "text": "new"]]),
                                  .unsupportedComponent, path: "/updateComponents/components/1/component")
        #expect(error?.surfaceID == "s")
        #expect(try #require(store.surface("s")).components["title"]?["text"] == "Hello")
    }

    @Test func invalidComponentChangesNothing() throws {
        let (store, _) = try Self.populated()
        expectRefusal(store, F.components("s", [F.text("title", "Changed"), ["id": "x", "component": "Text"]]), .invalidComponent,
                      path: "/updateComponents/components/1/text")
        expectRefusal(store, F.components("s", [F.text("title", "Changed"), ["id": "x", "component": "Text", "text": 5]]), .invalidComponent,
                      path: "/updateComponents/components/1/text")
        expectRefusal(store, F.components("s", [["id": "x", "component": "Text", "text": "a", "bold": true]]), .invalidComponent,
                      path: "/updateComponents/components/0/bold")
        expectRefusal(store, F.components("s", [["component": "Text", "text": "a"]]), .invalidComponent,
                      path: "/updateComponents/components/0/id")
        expectRefusal(store, F.components("s", [["id": "", "component": "Text", "text": "a"]]), .invalidComponent,
                      path: "/updateComponents/components/0/id")
        expectRefusal(store, F.components("s", [["id": "x", "text": "a"]]), .invalidComponent,
                      path: "/updateComponents/components/0/component")
        expectRefusal(store, F.components("s", [F.text("x"), "not an object"]), .invalidComponent, path: "/updateComponents/components/1")
        expectRefusal(store, F.components("s", [["id": "x", "component": "Text", "text": "a", "variant": "huge"]]), .invalidComponent,
                      path: "/updateComponents/components/0/variant")
        expectRefusal(store, F.components("s", [["id": "x", "component": "Text", "text": "a", "variant": nil]]), .invalidComponent,
                      path: "/updateComponents/components/0/variant")
    }

    @Test func limitExceededChangesNothing() throws {
        let (store, _) = try Self.populated(F.limits { $0.maxDataModelBytes = 200; $0.maxComponents = 3 })
        expectRefusal(store, F.data("s", path: "/big", value: .string(String(repeating: "x", count: 300))), .limitExceeded,
                      path: "/updateDataModel/value")
        expectRefusal(store, F.components("s", [F.text("a"), F.text("b")]), .limitExceeded, path: "/updateComponents/components")
    }

    @Test func surfaceExistsChangesNothing() throws {
        let (store, _) = try Self.populated()
        let error = expectRefusal(store, F.create("s"), .surfaceExists, path: "/createSurface/surfaceId")
        #expect(error?.surfaceID == "s")
        let surface = try #require(store.surface("s"))
        #expect(surface.order == ["root", "title"])
        #expect(surface.dataModel["user"]?["name"] == "Ada")
        #expect(surface.owner == .session(clientID: "c1"))
    }

    @Test func surfaceNotFoundChangesNothing() throws {
        let (store, _) = try Self.populated()
        expectRefusal(store, F.components("ghost", [F.text("root")]), .surfaceNotFound, path: "/updateComponents/surfaceId")
        expectRefusal(store, F.data("ghost", path: "/a", value: 1), .surfaceNotFound, path: "/updateDataModel/surfaceId")
        expectRefusal(store, F.delete("ghost"), .surfaceNotFound, path: "/deleteSurface/surfaceId")
        #expect(store.surface("ghost") == nil)
    }

    @Test func errorJSONCarriesKindPathAndSurface() throws {
        let (store, _) = try Self.populated()
        let error = try #require(expectRefusal(store, F.components("s", [["id": "x", "component": "Blink"]]), .unsupportedComponent))
        #expect(error.description.hasPrefix("UnsupportedComponent: "))
        #expect(error.json["kind"] == "UnsupportedComponent")
        #expect(error.json["path"] == "/updateComponents/components/0/component")
        #expect(error.json["surfaceId"] == "s")
        #expect(error.json["message"]?.stringValue?.isEmpty == false)
    }

    // MARK: Revisions, replacement, deletion

    @Test func revisionCountsAcceptedMessagesOnly() throws {
        let (store, _) = try Self.populated()
        #expect(try #require(store.surface("s")).revision == 3)
        expectRefusal(store, F.components("s", [["id": "x", "component": "Text"]]), .invalidComponent)
        #expect(try #require(store.surface("s")).revision == 3)
        let result = try store.apply(F.data("s", path: "/n", value: 1), owner: nil)
        #expect(result.surface?.revision == 4)
        #expect(result.deleted == false)
    }

    @Test func componentsReplaceByIDInPlaceKeepingFirstArrivalOrder() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.components("s", [F.column("root", ["a", "b"]), F.text("a", "1"), F.text("b", "2")]), owner: nil)
        _ = try store.apply(F.components("s", [F.text("c", "3"), F.text("b", "2b")]), owner: nil)
        // A type change replaces the whole component: no property of the Text survives.
        let result = try store.apply(F.components("s", [["id": "a", "component": "Divider"]]), owner: nil)
        let surface = try #require(result.surface)
        #expect(surface.order == ["root", "a", "b", "c"])
        #expect(surface.components["b"]?["text"] == "2b")
        #expect(surface.components["a"] == ["id": "a", "component": "Divider"])
        let ids = surface.json["components"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(ids == ["root", "a", "b", "c"])
        // A replacement is not merged with what it replaces: a Text without text is refused.
        expectRefusal(store, F.components("s", [["id": "b", "component": "Text"]]), .invalidComponent)
    }

    @Test func deleteRemovesAndRecreateStartsFresh() throws {
        let (store, _) = try Self.populated()
        let deleted = try store.apply(F.delete("s"), owner: nil)
        #expect(deleted.deleted)
        #expect(deleted.surface == nil)
        #expect(deleted.json["surface"] == nil)
        #expect(store.surface("s") == nil)
        expectRefusal(store, F.data("s", path: "/a", value: 1), .surfaceNotFound)
        let again = try store.apply(F.create("s"), owner: nil)
        let surface = try #require(again.surface)
        #expect(surface.revision == 1)
        #expect(surface.order.isEmpty)
        #expect(surface.dataModel == .object([:]))
        #expect(surface.owner == nil)
    }

    @Test func updateCheckedAgainstADeletedSurfaceIsNotCommittedToItsSuccessor() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        let prepared = try store.prepare(F.components("s", [F.text("root")]), owner: nil)
        _ = try store.apply(F.delete("s"), owner: nil)
        _ = try store.apply(F.create("s", catalog: F.car), owner: nil)
        do {
            _ = try store.commit(prepared)
            Issue.record("a stale prepared update was committed")
        } catch {
            #expect(error.kind == .surfaceNotFound)
        }
        #expect(try #require(store.surface("s")).order.isEmpty)
    }

    @Test func createHeaderKeepsThemeAndSendDataModel() throws {
        let store = A2UISurfaceStore()
        let result = try store.apply(["version": "v0.9.1", "createSurface": [
            "surfaceId": "s", "catalogId": .string(F.basic), "theme": ["primaryColor": "#00BFFF", "custom": 1], "sendDataModel": true,
        ]], owner: nil)
        let json = try #require(result.surface?.json)
        #expect(json["theme"]?["primaryColor"] == "#00BFFF")
        #expect(json["theme"]?["custom"] == 1)
        #expect(json["sendDataModel"] == true)
        #expect(json["revision"] == 1)
        #expect(json["owner"] == .null)
        expectRefusal(store, ["version": "v0.9", "createSurface": ["surfaceId": "t", "catalogId": .string(F.basic),
                                                                   "theme": ["primaryColor": "#F00"]]],
                      .invalidMessage, path: "/createSurface/theme/primaryColor")
        expectRefusal(store, ["version": "v0.9", "createSurface": ["surfaceId": "t", "catalogId": .string(F.basic), "theme": "dark"]],
                      .invalidMessage, path: "/createSurface/theme")
        expectRefusal(store, ["version": "v0.9", "createSurface": ["surfaceId": "t", "catalogId": .string(F.basic),
                                                                   "theme": ["agentDisplayName": 3]]],
                      .invalidMessage, path: "/createSurface/theme/agentDisplayName")
    }

    // MARK: Progressive references

    @Test func danglingReferencesAreAllowedAndListed() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        let first = try #require(try store.apply(F.components("s", [F.column("root", ["title", "body"])]), owner: nil).surface)
        let diagnostics = first.diagnostics
        #expect(!diagnostics.missingRoot)
        #expect(diagnostics.danglingReferences.map(\.componentID) == ["root", "root"])
        #expect(diagnostics.danglingReferences.map(\.reference) == ["title", "body"])
        #expect(diagnostics.unreachable.isEmpty)
        #expect(!diagnostics.isComplete)
        let json = first.json["diagnostics"]
        #expect(json?["danglingReferences"]?[1] == ["componentId": "root", "reference": "body"])
        #expect(json?["missingRoot"] == false)

        let second = try #require(try store.apply(F.components("s", [F.text("title")]), owner: nil).surface)
        #expect(second.diagnostics.danglingReferences.map(\.reference) == ["body"])
        let third = try #require(try store.apply(F.components("s", [F.text("body")]), owner: nil).surface)
        #expect(third.diagnostics.isComplete)
        #expect(third.json["diagnostics"] == ["missingRoot": false, "danglingReferences": [], "unreachable": []])
    }

    @Test func missingRootIsReportedUntilRootArrives() throws {
        let store = A2UISurfaceStore()
        let created = try #require(try store.apply(F.create("s"), owner: nil).surface)
        #expect(created.diagnostics.missingRoot)
        let partial = try #require(try store.apply(F.components("s", [F.card("card", "label"), F.text("lonely")]), owner: nil).surface)
        #expect(partial.diagnostics.missingRoot)
        #expect(partial.diagnostics.unreachable.isEmpty, "unreachable stays empty while root is missing")
        #expect(partial.diagnostics.danglingReferences.map(\.reference) == ["label"])
        let rooted = try #require(try store.apply(F.components("s", [F.column("root", ["card"]), F.text("label")]), owner: nil).surface)
        #expect(!rooted.diagnostics.missingRoot)
        #expect(rooted.diagnostics.danglingReferences.isEmpty)
        #expect(rooted.diagnostics.unreachable == ["lonely"])
        let complete = try #require(try store.apply(F.components("s", [F.column("root", ["card", "lonely"])]), owner: nil).surface)
        #expect(complete.diagnostics.isComplete)
    }

    @Test func replacementThatOrphansAComponentMakesItUnreachable() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.components("s", [F.column("root", ["a"]), F.column("a", ["b"]), F.text("b")]), owner: nil)
        let surface = try #require(try store.apply(F.components("s", [F.column("root", [])]), owner: nil).surface)
        #expect(surface.diagnostics.unreachable == ["a", "b"])
    }

    @Test func everyStructuralLinkCountsAsAReference() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        let surface = try #require(try store.apply(F.components("s", [
            F.column("root", ["tabs", "modal", "button", "list"]),
            ["id": "tabs", "component": "Tabs", "tabs": [["title": "One", "child": "tab1"]]],
            ["id": "modal", "component": "Modal", "trigger": "open", "content": "sheet"],
            ["id": "button", "component": "Button", "child": "label", "action": ["event": ["name": "go"]]],
            ["id": "list", "component": "List", "children": ["componentId": "item", "path": "/items"]],
        ]), owner: nil).surface)
        let references = Set(surface.diagnostics.danglingReferences.map(\.reference))
        #expect(references == ["tab1", "open", "sheet", "label", "item"])
    }

    // MARK: Self references, cycles, duplicates

    @Test func selfReferenceIsRefused() throws {
        let (store, _) = try Self.populated()
        expectRefusal(store, F.components("s", [F.column("x", ["a", "x"])]), .invalidComponent, path: "/updateComponents/components/0/children/1")
        expectRefusal(store, F.components("s", [F.text("a"), F.card("x", "x")]), .invalidComponent, path: "/updateComponents/components/1/child")
        expectRefusal(store, F.components("s", [["id": "x", "component": "List", "children": ["componentId": "x", "path": "/items"]]]),
                      .invalidComponent, path: "/updateComponents/components/0/children/componentId")
    }

    @Test func cycleInOneMessageIsRefused() throws {
        let (store, _) = try Self.populated()
        expectRefusal(store, F.components("s", [F.card("a", "b"), F.card("b", "a")]), .invalidComponent, path: "/updateComponents/components")
        // Through root.
        expectRefusal(store, F.components("s", [F.column("root", ["title", "a"]), F.card("a", "root")]), .invalidComponent)
    }

    @Test func cycleClosedByALaterMessageIsRefused() throws {
        let (store, _) = try Self.populated()
        _ = try store.apply(F.components("s", [F.column("root", ["title", "a"]), F.card("a", "b")]), owner: nil)
        let error = expectRefusal(store, F.components("s", [F.column("b", ["c"]), F.card("c", "a")]), .invalidComponent)
        #expect(error?.message.contains("cycle") == true)
        let surface = try #require(store.surface("s"))
        #expect(surface.components["b"] == nil)
        #expect(surface.diagnostics.danglingReferences.map(\.reference) == ["b"])
        // A cycle among components root does not reach is refused as well.
        _ = try store.apply(F.components("s", [F.card("p", "q")]), owner: nil)
        expectRefusal(store, F.components("s", [F.card("q", "p")]), .invalidComponent)
    }

    @Test func sharedChildIsNotACycle() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        let surface = try #require(try store.apply(F.components("s", [
            F.column("root", ["a", "b", "shared"]), F.card("a", "shared"), F.card("b", "shared"), F.text("shared"),
        ]), owner: nil).surface)
        #expect(surface.diagnostics.isComplete)
    }

    @Test func duplicateIDInOneMessageIsRefused() throws {
        let (store, _) = try Self.populated()
        expectRefusal(store, F.components("s", [F.text("x", "1"), F.text("y"), F.text("x", "2")]), .invalidComponent,
                      path: "/updateComponents/components/2/id")
    }

    // MARK: Tree depth

    /// root → n1 → … → n`levels` (each a Card), n`levels` a Text.
    static func chain(levels: Int) -> [JSONValue] {
        var list: [JSONValue] = []
        var previous = "root"
        for level in 1...levels {
            let id = "n\(level)"
            list.append(F.card(previous, id))
            previous = id
        }
        list.append(F.text(previous))
        return list
    }

    @Test func fiftyLevelsBelowRootAreAcceptedFiftyOneRefused() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("ok"), owner: nil)
        let surface = try #require(try store.apply(F.components("ok", Self.chain(levels: 50)), owner: nil).surface)
        #expect(surface.order.count == 51)
        #expect(surface.diagnostics.isComplete)
        _ = try store.apply(F.create("deep"), owner: nil)
        expectRefusal(store, F.components("deep", Self.chain(levels: 51)), .limitExceeded, path: "/updateComponents/components")
        #expect(try #require(store.surface("deep")).order.isEmpty)
    }

    @Test func depthReachedByALaterMessageIsRefused() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        // The chain arrives without its root, then a root is put on top of it.
        let chain = Array(Self.chain(levels: 51).dropFirst())  // n1 → … → n51 (50 levels below n1)
        _ = try store.apply(F.components("s", chain), owner: nil)
        expectRefusal(store, F.components("s", [F.card("root", "n1")]), .limitExceeded)
        // One level less fits.
        _ = try store.apply(F.components("s", [F.card("root", "n2")]), owner: nil)
        #expect(try #require(store.surface("s")).diagnostics.unreachable == ["n1"])
    }

    @Test func smallerDepthLimitIsHonoured() throws {
        // maxDepth bounds JSON nesting too: a Card chain's message nests 5 levels, so 6 is the least.
        let store = A2UISurfaceStore(limits: F.limits { $0.maxDepth = 6 })
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.components("s", Self.chain(levels: 6)), owner: nil)
        expectRefusal(store, F.components("s", [F.card("n6", "n7"), F.text("n7")]), .limitExceeded, path: "/updateComponents/components")
    }

    @Test func longChainNotReachableFromRootDoesNotOverflowTheStack() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        var list: [JSONValue] = (0..<4_999).map { F.card("c\($0)", "c\($0 + 1)") }
        list.append(F.text("c4999"))
        let surface = try #require(try store.apply(F.components("s", list), owner: nil).surface)
        #expect(surface.order.count == 5_000)
        #expect(surface.diagnostics.missingRoot)
        // Closing the chain into a loop is a cycle 5000 long.
        let store2 = A2UISurfaceStore()
        _ = try store2.apply(F.create("s"), owner: nil)
        var loop: [JSONValue] = (0..<4_999).map { F.card("c\($0)", "c\($0 + 1)") }
        loop.append(F.card("c4999", "c0"))
        expectRefusal(store2, F.components("s", loop), .invalidComponent)
        // And one reachable from root is judged too deep, without recursion either.
        let store3 = A2UISurfaceStore()
        _ = try store3.apply(F.create("s"), owner: nil)
        var rooted = list
        rooted[0] = F.card("root", "c1")
        expectRefusal(store3, F.components("s", rooted), .limitExceeded)
    }

    // MARK: Catalogs

    @Test func catalogsHoldTheirComponents() {
        #expect(A2UICatalog.basic.componentNames.count == 18)
        #expect(A2UICatalog.car.componentNames.count == 24)
        #expect(Set(A2UICatalog.basic.componentNames).isSubset(of: Set(A2UICatalog.car.componentNames)))
        #expect(Set(A2UICatalog.car.componentNames).subtracting(A2UICatalog.basic.componentNames)
            == ["Select", "Chart", "File", "FilePicker", "Spacer", "Badge"])
        #expect(A2UICatalog.all.keys.sorted() == [A2UICatalog.basicID, A2UICatalog.carID].sorted())
    }

    static let carOnly: [JSONValue] = [
        ["id": "select", "component": "Select", "options": [["label": "A", "value": "a"]], "value": "a"],
        ["id": "chart", "component": "Chart", "data": [["label": "x", "value": 1]]],
        ["id": "file", "component": "File", "url": "https://example.com/a.pdf"],
        ["id": "picker", "component": "FilePicker", "label": "Pick"],
        ["id": "spacer", "component": "Spacer"],
        ["id": "badge", "component": "Badge", "text": "new"],
    ]

    @Test func carOnlyComponentsAreRefusedOnTheBasicCatalog() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        for component in Self.carOnly {
            expectRefusal(store, F.components("s", [component]), .unsupportedComponent, path: "/updateComponents/components/0/component")
        }
    }

    @Test func carOnlyComponentsAreAcceptedOnTheCARCatalog() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s", catalog: F.car), owner: nil)
        let ids = Self.carOnly.compactMap { $0["id"]?.stringValue }
        let surface = try #require(try store.apply(F.components("s", [F.column("root", ids)] + Self.carOnly), owner: nil).surface)
        #expect(surface.diagnostics.isComplete)
        #expect(surface.order.count == 7)
        // The basic components are there too.
        _ = try store.apply(F.components("s", [F.text("t")]), owner: nil)
    }

    @Test func carOnlyComponentsNeedTheirRequiredProperties() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s", catalog: F.car), owner: nil)
        let missing: [(JSONValue, String)] = [
            (["id": "x", "component": "Select", "options": []], "value"),
            (["id": "x", "component": "Select", "value": "a"], "options"),
            (["id": "x", "component": "Chart"], "data"),
            (["id": "x", "component": "File"], "url"),
            (["id": "x", "component": "FilePicker"], "label"),
            (["id": "x", "component": "Badge"], "text"),
        ]
        for (component, property) in missing {
            expectRefusal(store, F.components("s", [component]), .invalidComponent, path: "/updateComponents/components/0/\(property)")
        }
        expectRefusal(store, F.components("s", [["id": "x", "component": "Badge", "text": "a", "variant": "loud"]]), .invalidComponent,
                      path: "/updateComponents/components/0/variant")
        expectRefusal(store, F.components("s", [["id": "x", "component": "Chart", "data": [["label": "x"]]]]), .invalidComponent)
    }

    // MARK: Limits

    @Test func messageByteLimit() throws {
        let base = F.components("s", [F.text("root", String(repeating: "a", count: 100))])
        let size = JSONWriter.encodedCount(base)
        let atLimit = TestClock().store(F.limits { $0.maxMessageBytes = size })
        _ = try atLimit.apply(F.create("s"), owner: nil)
        _ = try atLimit.apply(base, owner: nil)
        let under = TestClock().store(F.limits { $0.maxMessageBytes = size - 1 })
        _ = try under.apply(F.create("s"), owner: nil)
        expectRefusal(under, base, .limitExceeded)
        #expect(try #require(under.surface("s")).order.isEmpty)
    }

    @Test func stringByteLimit() throws {
        // Keys count too, and the catalog id is 64 bytes: 80 leaves room for the envelope itself.
        let store = TestClock().store(F.limits { $0.maxStringBytes = 80 })
        _ = try store.apply(F.create("s"), owner: nil)
        let ascii80 = String(repeating: "a", count: 80), accents40 = String(repeating: "é", count: 40)  // both 80 bytes
        _ = try store.apply(F.components("s", [F.text("root", ascii80)]), owner: nil)
        _ = try store.apply(F.components("s", [F.text("root", accents40)]), owner: nil)
        expectRefusal(store, F.components("s", [F.text("root", ascii80 + "a")]), .limitExceeded)
        expectRefusal(store, F.components("s", [F.text("root", accents40 + "é")]), .limitExceeded)  // 41 characters, 82 bytes
        expectRefusal(store, F.data("s", path: "/", value: ["k": .string(ascii80 + "a")]), .limitExceeded)
        expectRefusal(store, F.data("s", path: "/", value: [ascii80 + "a": 1]), .limitExceeded)
        #expect(try #require(store.surface("s")).components["root"]?["text"] == .string(accents40))
    }

    @Test func idByteLimit() throws {
        let store = TestClock().store(F.limits { $0.maxIDBytes = 8 })
        expectRefusal(store, F.create("123456789"), .limitExceeded, path: "/createSurface/surfaceId")
        _ = try store.apply(F.create("12345678"), owner: nil)
        expectRefusal(store, F.components("12345678", [F.text("123456789")]), .limitExceeded, path: "/updateComponents/components/0/id")
    }

    @Test func jsonNestingLimit() throws {
        let store = TestClock().store(F.limits { $0.maxDepth = 6 })
        _ = try store.apply(F.create("s"), owner: nil)
        // message 0 → updateDataModel 1 → value 2 → a 3 → b 4 → c: 1 at 5.
        _ = try store.apply(F.data("s", path: "/", value: ["a": ["b": ["c": 1]]]), owner: nil)
        expectRefusal(store, F.data("s", path: "/", value: ["a": ["b": ["c": ["d": 1]]]]), .limitExceeded)
        expectRefusal(store, F.data("s", path: "/", value: [[[[[1]]]]]), .limitExceeded)
        #expect(try #require(store.surface("s")).dataModel == ["a": ["b": ["c": 1]]])
    }

    /// The validator's own numbers: an updateDataModel value of 47 nested objects passes, 48 fail.
    @Test func jsonNestingLimitMatchesTheValidator() throws {
        func nested(_ count: Int) -> JSONValue {
            var value: JSONValue = 1
            for _ in 0..<count { value = ["a": value] }
            return value
        }
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.data("s", path: "/", value: nested(47)), owner: nil)
        expectRefusal(store, F.data("s", path: "/", value: nested(48)), .limitExceeded)
    }

    @Test func componentsPerSurfaceLimit() throws {
        let store = TestClock().store(F.limits { $0.maxComponents = 3 })
        _ = try store.apply(F.create("s"), owner: nil)
        expectRefusal(store, F.components("s", [F.text("a"), F.text("b"), F.text("c"), F.text("d")]), .limitExceeded,
                      path: "/updateComponents/components")
        _ = try store.apply(F.components("s", [F.text("a"), F.text("b")]), owner: nil)
        // Replacing existing ids adds nothing.
        _ = try store.apply(F.components("s", [F.text("a", "2"), F.text("b", "2"), F.text("c")]), owner: nil)
        expectRefusal(store, F.components("s", [F.text("a", "3"), F.text("d")]), .limitExceeded, path: "/updateComponents/components")
        let surface = try #require(store.surface("s"))
        #expect(surface.order == ["a", "b", "c"])
        #expect(surface.components["a"]?["text"] == "2")
    }

    @Test func dataModelByteLimitRefusesWithoutChange() throws {
        let store = TestClock().store(F.limits { $0.maxDataModelBytes = 40 })
        _ = try store.apply(F.create("s"), owner: nil)
        let value: JSONValue = .string(String(repeating: "x", count: 20))
        _ = try store.apply(F.data("s", path: "/a", value: value), owner: nil)  // {"a":"xx…"} = 28 bytes
        let before = try #require(store.surface("s"))
        expectRefusal(store, F.data("s", path: "/b", value: value), .limitExceeded, path: "/updateDataModel/value")
        let after = try #require(store.surface("s"))
        #expect(after.dataModel == ["a": value])
        #expect(after.revision == before.revision)
        // Shrinking is always possible.
        _ = try store.apply(F.data("s", path: "/a", value: nil), owner: nil)
        #expect(try #require(store.surface("s")).dataModel == .object([:]))
    }

    @Test func maxSurfacesReapsAnExpiredOneToMakeRoom() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.maxSurfaces = 2; $0.surfaceTTLSeconds = 10 })
        _ = try store.apply(F.create("a"), owner: nil)
        clock.advance(seconds: 5)
        _ = try store.apply(F.create("b"), owner: nil)
        expectRefusal(store, F.create("c"), .limitExceeded, path: "/createSurface")
        #expect(store.surface("c") == nil)
        clock.advance(seconds: 6)  // a expired (11 s old), b has 4 s left
        let created = try store.apply(F.create("c"), owner: nil)
        #expect(created.surface?.id == "c")
        #expect(store.surfaces().map(\.id) == ["b", "c"])
        expectRefusal(store, F.create("d"), .limitExceeded)
    }

    // MARK: TTL

    @Test func expiredSurfaceIsInvisibleAndReapRemovesItAndItsRoute() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.surfaceTTLSeconds = 10 })
        _ = try store.apply(F.create("old"), owner: nil)
        store.setRoute(A2UIRoute(endpoint: "http://127.0.0.1:9/a2a", auth: .bearer(token: "t0ken")), for: "old")
        #expect(store.route(for: "old") != nil)
        clock.advance(seconds: 5)
        _ = try store.apply(F.create("young"), owner: nil)
        clock.advance(seconds: 5)  // old is exactly 10 s old: expired
        #expect(store.surface("old") == nil)
        #expect(store.surfaces().map(\.id) == ["young"])
        expectRefusal(store, F.components("old", [F.text("root")]), .surfaceNotFound)
        expectRefusal(store, F.data("old", path: "/a", value: 1), .surfaceNotFound)
        #expect(store.reap() == ["old"])
        #expect(store.route(for: "old") == nil)
        #expect(store.surfaces().map(\.id) == ["young"])
        #expect(store.reap() == [])
        expectRefusal(store, F.delete("old"), .surfaceNotFound)
        clock.advance(seconds: 5)
        #expect(store.reap() == ["young"])
        #expect(store.surfaces().isEmpty)
    }

    @Test func deleteOfAnExpiredSurfaceIsSurfaceNotFound() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.surfaceTTLSeconds = 10 })
        _ = try store.apply(F.create("s"), owner: nil)
        clock.advance(seconds: 10)
        expectRefusal(store, F.delete("s"), .surfaceNotFound, path: "/deleteSurface/surfaceId")
        #expect(store.surface("s") == nil)
    }

    @Test func reapRemovesTheRouteOfAnExpiredSurface() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.surfaceTTLSeconds = 10 })
        _ = try store.apply(F.create("s"), owner: nil)
        store.setRoute(A2UIRoute(endpoint: "http://127.0.0.1:9/a2a", auth: .header(name: "X-Key", value: "v")), for: "s")
        clock.advance(seconds: 11)
        #expect(store.reap() == ["s"])
        #expect(store.route(for: "s") == nil)
    }

    @Test func acceptedMessageExtendsTheTTL() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.surfaceTTLSeconds = 10 })
        let created = try #require(try store.apply(F.create("s"), owner: nil).surface)
        clock.advance(seconds: 8)
        let touched = try #require(try store.apply(F.data("s", path: "/a", value: 1), owner: nil).surface)
        #expect(touched.expiresMicros == created.expiresMicros + 8_000_000)
        #expect(touched.updatedMicros == created.createdMicros + 8_000_000)
        clock.advance(seconds: 8)  // 16 s after creation, 8 s after the touch
        #expect(store.surface("s") != nil)
        #expect(store.reap() == [])
        _ = try store.apply(F.components("s", [F.text("root")]), owner: nil)
        clock.advance(seconds: 9.9)
        #expect(store.surface("s") != nil)
        // A refused message does not touch.
        expectRefusal(store, F.components("s", [["id": "x", "component": "Text"]]), .invalidComponent)
        clock.advance(seconds: 0.2)
        #expect(store.surface("s") == nil)
        let json = touched.json
        #expect(json["createdAt"]?.stringValue == RFC3339.format(micros: created.createdMicros))
        #expect(json["expiresAt"]?.stringValue == RFC3339.format(micros: touched.expiresMicros))
    }

    @Test func createOnAnExpiredIDStartsAFreshSurface() throws {
        let clock = TestClock()
        let store = clock.store(F.limits { $0.surfaceTTLSeconds = 10 })
        _ = try store.apply(F.create("s"), owner: .session(clientID: "c1"))
        _ = try store.apply(F.components("s", [F.text("root")]), owner: nil)
        store.setRoute(A2UIRoute(endpoint: "http://127.0.0.1:9/", auth: .bearer(token: "x")), for: "s")
        clock.advance(seconds: 11)
        let fresh = try #require(try store.apply(F.create("s", catalog: F.car), owner: nil).surface)
        #expect(fresh.revision == 1)
        #expect(fresh.order.isEmpty)
        #expect(fresh.header.catalogID == F.car)
        #expect(fresh.owner == nil)
        #expect(store.route(for: "s") == nil, "the expired surface's route goes with it")
        #expect(store.surface("s") != nil)
    }

    // MARK: Route credentials

    @Test func routeAuthDescriptionNeverContainsTheSecret() {
        let secret = "s3cr3t-T0KEN-value"
        let auths: [A2UIRouteAuth] = [.bearer(token: secret), .header(name: "X-Api-Key", value: secret)]
        for auth in auths {
            #expect(!auth.description.contains(secret))
            #expect(!"\(auth)".contains(secret))
            #expect(!String(describing: auth).contains(secret))
            #expect(!String(reflecting: auth).contains(secret))
            let route = A2UIRoute(endpoint: "http://127.0.0.1:1/", auth: auth)
            #expect(!"\(route)".contains(secret))
            #expect(!String(reflecting: route).contains(secret))
        }
        #expect(A2UIRouteAuth.header(name: "X-Api-Key", value: secret).description.contains("X-Api-Key"))
    }

    @Test func surfaceJSONNeverContainsTheRouteCredential() throws {
        let secret = "s3cr3t-T0KEN-value"
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: .a2a(taskID: "t1", contextID: "c1", endpoint: "http://127.0.0.1:7/a2a"))
        store.setRoute(A2UIRoute(endpoint: "http://127.0.0.1:7/a2a", auth: .bearer(token: secret)), for: "s")
        let result = try store.apply(F.components("s", [F.text("root")]), owner: nil)
        let surface = try #require(store.surface("s"))
        #expect(!JSONWriter.string(surface.json).contains(secret))
        #expect(!JSONWriter.string(result.json).contains(secret))
        #expect(!store.surfaces().contains { JSONWriter.string($0.json).contains(secret) })
        #expect(surface.json["owner"] == ["kind": "a2a", "taskId": "t1", "contextId": "c1", "endpoint": "http://127.0.0.1:7/a2a"])
        #expect(store.route(for: "s")?.auth == .bearer(token: secret))
        // Deleting the surface drops its route.
        _ = try store.apply(F.delete("s"), owner: nil)
        #expect(store.route(for: "s") == nil)
    }

    @Test func setRouteAndOwnerNeedALiveSurface() throws {
        let store = A2UISurfaceStore()
        store.setRoute(A2UIRoute(endpoint: "http://127.0.0.1:7/", auth: nil), for: "ghost")
        #expect(store.route(for: "ghost") == nil)
        _ = try store.apply(F.create("s"), owner: nil)
        store.setOwner(.a2a(taskID: "t", contextID: nil, endpoint: nil), for: "s")
        #expect(store.surface("s")?.owner == .a2a(taskID: "t", contextID: nil, endpoint: nil))
        #expect(store.surface("s")?.json["owner"] == ["kind": "a2a", "taskId": "t"])
    }

    @Test func adoptNeverTakesOverAnOwnedSurface() throws {
        let store = A2UISurfaceStore()
        let peer = A2UISurfaceOwner.a2a(taskID: "t", contextID: "c", endpoint: "http://127.0.0.1:7/")
        let route = A2UIRoute(endpoint: "http://127.0.0.1:7/", auth: .bearer(token: "tok"))
        _ = try store.apply(F.create("mine"), owner: .session(clientID: "c1"))
        let kept = try #require(store.adopt("mine", owner: peer, route: route))
        #expect(kept.owner == .session(clientID: "c1"))
        #expect(store.surface("mine")?.owner == .session(clientID: "c1"))
        #expect(store.route(for: "mine") == nil)

        _ = try store.apply(F.create("free"), owner: nil)
        let adopted = try #require(store.adopt("free", owner: peer, route: route))
        #expect(adopted.owner == peer)
        #expect(store.surface("free")?.owner == peer)
        #expect(store.route(for: "free") == route)
        // Another peer's payload never takes a peer's surface (nor its route) over.
        let other = A2UISurfaceOwner.a2a(taskID: "t2", contextID: nil, endpoint: nil)
        let otherRoute = A2UIRoute(endpoint: "http://127.0.0.1:8/", auth: .bearer(token: "other"))
        _ = store.adopt("free", owner: other, route: otherRoute)
        #expect(store.surface("free")?.owner == peer)
        #expect(store.route(for: "free") == route)
        // The same peer again keeps the route first given.
        _ = store.adopt("free", owner: peer, route: otherRoute)
        #expect(store.route(for: "free") == route)
        #expect(store.adopt("ghost", owner: peer, route: route) == nil)
        #expect(store.route(for: "ghost") == nil)
    }

    @Test func dataModelWritesKeepTheDiagnostics() throws {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        _ = try store.apply(F.components("s", [F.column("root", ["ghost"])]), owner: nil)
        let surface = try #require(try store.apply(F.data("s", path: "/a", value: 1), owner: nil).surface)
        #expect(surface.diagnostics.danglingReferences.map(\.reference) == ["ghost"])
        #expect(!surface.diagnostics.missingRoot)
    }
}
