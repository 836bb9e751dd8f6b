@testable import CarEngine
import CarIR
import CarJSON
import Testing

/// The executor's gate is the verifier's evaluator (its operator rules are tested in
/// CarIRTests); here: first failure wins, descriptions prefix it, tenants are respected.
@Suite("precondition gate")
struct PreconditionCheckTests {
    @Test func theFirstFailingPreconditionIsExplainedWithItsDescription() throws {
        let store = StateStore()
        try store.set("tests_passed", false, tenant: nil)
        try store.set("replicas", 3, tenant: nil)
        let view = store.view(tenant: nil)
        let passing = Precondition(key: "replicas", op: "gte", value: 2)
        let failing = Precondition(key: "tests_passed", op: "eq", value: true, description: "CI must be green")
        #expect(PreconditionCheck.firstFailure([passing], in: view) == nil)
        let failure = try #require(PreconditionCheck.firstFailure([passing, failing, Precondition(key: "absent")], in: view))
        #expect(failure == "CI must be green: 'tests_passed' is Bool(false), need Bool(true)")
        // The same wording verify reports, without the description.
        #expect(failure.hasSuffix(try #require(PreconditionEvaluator.failure(of: failing, in: ["tests_passed": false]))))
    }

    @Test func aTenantSeesOnlyItsOwnKeys() throws {
        let store = StateStore()
        try store.set("ready", true, tenant: "acme")
        let ready = Precondition(key: "ready", op: "eq", value: true)
        #expect(PreconditionCheck.firstFailure([ready], in: store.view(tenant: "acme")) == nil)
        #expect(PreconditionCheck.firstFailure([ready], in: store.view(tenant: nil)) == "key 'ready' has no value")
    }
}
