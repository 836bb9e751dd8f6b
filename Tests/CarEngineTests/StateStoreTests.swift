import CarEngine
import CarJSON
import Testing

@Suite("state store")
struct StateStoreTests {
    @Test func tenantsAndTheUnscopedNamespaceCannotSeeEachOther() throws {
        let store = StateStore()
        try store.set("shared", 1, tenant: nil)
        try store.set("secret", "t1-only", tenant: "t1")
        try store.set("secret", "t2-only", tenant: "t2")

        #expect(store.get("secret", tenant: nil) == nil)
        #expect(store.get("secret", tenant: "t1") == "t1-only")
        #expect(store.get("secret", tenant: "t2") == "t2-only")
        #expect(store.get("shared", tenant: "t1") == nil)
        #expect(!store.exists("shared", tenant: "t2"))
        #expect(store.exists("shared", tenant: nil))
        // The prefixed form is not a back door for unscoped callers.
        #expect(store.get("tenant:t1:secret", tenant: nil) == nil)
        #expect(throws: StateError.self) { try store.set("tenant:t1:secret", "overwritten", tenant: nil) }
        #expect(store.get("secret", tenant: "t1") == "t1-only")

        #expect(store.keys(tenant: nil) == ["shared"])
        #expect(store.keys(tenant: "t1") == ["secret"])
        #expect(store.snapshot(tenant: "t2") == ["secret": "t2-only"])
        #expect(store.snapshot(tenant: nil) == ["shared": 1])
        #expect(store.count == 3)
    }

    @Test func anEmptyTenantIsUnscopedAndColonsInTenantIDsDoNotAlias() throws {
        let store = StateStore()
        try store.set("k", true, tenant: "")
        #expect(store.get("k", tenant: nil) == true)
        try store.set("b:c", "tenant a", tenant: "a")
        try store.set("c", "tenant a:b", tenant: "a:b")
        #expect(store.get("b:c", tenant: "a") == "tenant a")
        #expect(store.get("c", tenant: "a:b") == "tenant a:b")
        #expect(store.keys(tenant: "a") == ["b:c"])
    }

    @Test func keysAreSortedAndTheBoundIsAClearError() throws {
        let store = StateStore(maxKeys: 3)
        try store.set("c", 1, tenant: nil)
        try store.set("a", 1, tenant: nil)
        try store.set("b", 1, tenant: "t")
        #expect(store.keys(tenant: nil) == ["a", "c"])
        do {
            try store.set("d", 1, tenant: nil)
            Issue.record("a fourth key was accepted")
        } catch {
            #expect(error.description.contains("state store is full"))
            #expect(error.description.contains("3 keys"))
        }
        // Overwriting an existing key adds nothing, so it still works at the bound.
        try store.set("a", 2, tenant: nil)
        #expect(store.get("a", tenant: nil) == 2)
        #expect(store.count == 3)
    }
}
