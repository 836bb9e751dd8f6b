import CarEngine
import CarIR
import Testing

@Suite("tool registry")
struct ToolRegistryTests {
    @Test func registersReplacesListsSortedAndUnregisters() throws {
        let registry = ToolRegistry()
        #expect(try registry.register([ToolSchema(name: "zeta"), ToolSchema(name: "alpha", description: "first")]) == 2)
        #expect(try registry.register([ToolSchema(name: "alpha", description: "second")]) == 1)
        #expect(registry.count == 2)
        #expect(registry.list().map(\.name) == ["alpha", "zeta"])
        #expect(registry.schema(named: "alpha")?.description == "second")
        #expect(registry.schema(named: "missing") == nil)

        #expect(registry.unregister("alpha") == 1)
        #expect(registry.unregister("alpha") == 0)
        #expect(registry.list().map(\.name) == ["zeta"])
        #expect(registry.count == 1)
    }
}
