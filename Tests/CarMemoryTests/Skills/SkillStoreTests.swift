import CarJSON
@testable import CarMemory
import Testing

@Suite("skills")
struct SkillStoreTests {
    private func addComponent(_ store: SkillStore, supersedes: String? = nil) throws -> Int {
        try store.ingest(name: "add_component", code: "mkdir -p src/components/$Name", platform: "bash",
                         persona: "frontend-engineer", urlPattern: "file://*/components/",
                         description: "Scaffold a new React component with test file",
                         taskKeywords: ["component", "scaffold", "new"], supersedes: supersedes)
    }

    @Test func theOfficialExampleFlow() throws {
        let store = SkillStore()
        let node = try addComponent(store)
        #expect(node == 1)
        #expect(store.list().count == 1)
        let found = store.find(persona: "frontend-engineer", url: "file:///src/components/Button/",
                               task: "add a new component called Button", maxResults: 1)
        let match = try #require(found.first)
        #expect(match.skill.name == "add_component")
        #expect(match.matchScore > 0.5 && match.matchScore <= 1)
        var stats = SkillStats()
        for outcome in ["success", "success", "fail", "success"] {
            stats = try store.report(skillName: "add_component", outcome: outcome)
        }
        #expect(stats.successCount == 3 && stats.failCount == 1 && !stats.degraded)
        #expect(stats.json["last_outcome"] == "success")
        #expect(try addComponent(store) == node, "re-ingesting keeps the node")
        #expect(store.list().first?.stats.successCount == 3, "and the record")
    }

    @Test func aSkillDegradesAfterRepeatedFailuresAndIsNoLongerOffered() throws {
        let store = SkillStore()
        _ = try addComponent(store)
        _ = try store.report(skillName: "add_component", outcome: "success")
        for _ in 0..<3 { _ = try store.report(skillName: "add_component", outcome: "fail") }
        #expect(!store.list()[0].stats.degraded, "3 failures against 1 success is not more than 2 ahead")
        let stats = try store.report(skillName: "add_component", outcome: "timeout")
        #expect(stats.failCount == 4 && stats.degraded, "anything but success counts as a failure")
        #expect(store.find(persona: "frontend-engineer", url: nil, task: "new component").isEmpty)
        #expect(throws: SkillError.self) { try store.report(skillName: "missing", outcome: "success") }
    }

    @Test func rankingFollowsTheActivatedTriggers() throws {
        let store = SkillStore()
        _ = try store.ingest(name: "persona_only", code: "a", platform: "bash", persona: "frontend-engineer", urlPattern: nil,
                             description: "", taskKeywords: ["deploy"], supersedes: nil)
        _ = try addComponent(store)
        _ = try store.ingest(name: "backend", code: "b", platform: "bash", persona: "backend-engineer", urlPattern: "https://api.*",
                             description: "", taskKeywords: ["endpoint"], supersedes: nil)
        let found = store.find(persona: "frontend-engineer", url: "file:///src/components/Card/", task: "scaffold a component", maxResults: 5)
        #expect(found.map(\.skill.name) == ["add_component", "persona_only"])
        #expect(found[0].matchScore > found[1].matchScore)
        #expect(store.find(persona: "designer", url: "ftp://x", task: "paint").isEmpty)
        #expect(store.find(persona: nil, url: "https://api.example.com/v1", task: nil).map(\.skill.name) == ["backend"])
    }

    @Test func supersededSkillsStepAside() throws {
        let store = SkillStore()
        _ = try addComponent(store)
        _ = try store.ingest(name: "add_component_v2", code: "npx gen component", platform: "bash", persona: "frontend-engineer",
                             urlPattern: "file://*/components/", description: "", taskKeywords: ["component", "new"],
                             supersedes: "add_component")
        let found = store.find(persona: "frontend-engineer", url: nil, task: "new component", maxResults: 5)
        #expect(found.map(\.skill.name) == ["add_component_v2"])
        #expect(store.list().count == 2)
    }

    @Test func urlPatternsAreGlobsOverThePlace() {
        #expect(SkillTriggers.matches(url: "file:///src/components/Button/", pattern: "file://*/components/"))
        #expect(SkillTriggers.matches(url: "https://a.example.com/x", pattern: "https://*.example.com"))
        #expect(!SkillTriggers.matches(url: "https://example.org/", pattern: "https://*.example.com"))
        #expect(!SkillTriggers.matches(url: "file:///src/pages/", pattern: "file://*/components/"))
        #expect(SkillTriggers.matches(url: "anything", pattern: "*"))
    }

    @Test func snapshotsRoundTripAndABadOneChangesNothing() throws {
        let store = SkillStore()
        _ = try addComponent(store)
        _ = try store.report(skillName: "add_component", outcome: "success")
        let copy = SkillStore()
        try copy.replaceAll(with: store.export())
        #expect(copy.list() == store.list())
        #expect(throws: SkillError.self) { try copy.replaceAll(with: [["code": "no name"]]) }
        #expect(copy.count == 1)
    }

    @Test func theStoreIsBounded() throws {
        let store = SkillStore(maxSkills: 2)
        _ = try addComponent(store)
        _ = try store.ingest(name: "b", code: "b", platform: "", persona: nil, urlPattern: nil, description: "", taskKeywords: [], supersedes: nil)
        #expect(throws: SkillError.self) {
            try store.ingest(name: "c", code: "c", platform: "", persona: nil, urlPattern: nil, description: "", taskKeywords: [], supersedes: nil)
        }
        #expect(try addComponent(store) == 1, "replacing an existing skill is still allowed when full")
    }
}
