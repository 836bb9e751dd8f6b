import CarA2UI
import CarJSON
import Testing

@Suite struct A2UIStoreTests {
    static let basic = A2UICatalog.basicID

    static func create(_ id: String, catalog: String = basic) -> JSONValue {
        ["version": "v0.9", "createSurface": ["surfaceId": .string(id), "catalogId": .string(catalog)]]
    }

    static func components(_ id: String, _ list: [JSONValue]) -> JSONValue {
        ["version": "v0.9", "updateComponents": ["surfaceId": .string(id), "components": .array(list)]]
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
}
