import CarJSON
@testable import CarMemory
import Testing

@Suite("distilled skills")
struct DistilledSkillTests {
    private static let scrape: JSONValue = [
        "name": "scrape_and_summarize", "description": "Fetch, clean, summarize.", "when_to_apply": "A link to digest.",
        "scope": ["domain": "web"], "source": "success", "domain": "web",
        "trigger": ["persona": "researcher", "url_pattern": "https://*", "task_keywords": ["summarize", "article"]],
        "code": "http_get(url) -> clean_html -> summarize",
    ]

    @Test func ingestKeepsEveryFieldAndFindsByTrigger() throws {
        let store = SkillStore()
        let batch = try DistilledSkill.batch([Self.scrape, ["name": "brief", "code": "first_2(x)", "scope": ["domain": "text"]]])
        #expect(try store.ingest(distilled: batch) == 2)
        let skill = try #require(store.list(domain: "web").first)
        #expect(skill.json["when_to_apply"] == "A link to digest." && skill.json["source"] == "success")
        #expect(skill.json["scope"] == ["domain": "web"] && skill.json["domain"] == "web")
        #expect(store.list(domain: "text").map(\.name) == ["brief"], "scope.domain stands in for a missing domain")
        #expect(store.find(persona: "researcher", url: "https://example.com/a", task: "summarize this article").first?.skill.name
                == "scrape_and_summarize")
        // Re-ingesting keeps the node and the record; the stored JSON reads back the same (the log replays it).
        _ = try store.report(skillName: "scrape_and_summarize", outcome: "success")
        #expect(try store.ingest(distilled: batch) == 2)
        let again = try #require(store.list(domain: "web").first)
        #expect(again.nodeID == skill.nodeID && again.stats.successCount == 1)
        #expect(try Skill(json: again.json) == again)
    }

    @Test func aBadEntryIsNamedAndNothingIsStored() throws {
        let store = SkillStore()
        for (entry, named) in [(JSONValue.object(["name": "x"]), "skills[1].code"),
                               (["name": "", "code": "y"], "skills[1].name"),
                               (["name": "x", "code": "y", "trigger": ["task_keywords": [1]]], "skills[1].trigger.task_keywords[0]"),
                               (["name": "x", "code": "y", "scope": "web"], "skills[1].scope"),
                               ("not an object", "skills[1]")] {
            do {
                _ = try store.ingest(distilled: try DistilledSkill.batch([Self.scrape, entry]))
                Issue.record("accepted \(entry)")
            } catch {
                #expect(error.description.contains(named), "\(error) should name \(named)")
            }
        }
        #expect(store.count == 0)
        let small = SkillStore(maxSkills: 1)
        #expect(throws: SkillError.self) { try small.ingest(distilled: try DistilledSkill.batch([Self.scrape, ["name": "b", "code": "c"]])) }
        #expect(small.count == 0, "all or nothing past the limit")
    }

    @Test func domainsNeedingEvolutionJudgesOnlyDomainsWithEnoughOutcomes() throws {
        let store = SkillStore()
        _ = try store.ingest(distilled: try DistilledSkill.batch([
            Self.scrape, ["name": "brief", "code": "c", "domain": "text"], ["name": "other_web", "code": "c", "domain": "web"],
            ["name": "nodomain", "code": "c"],
        ]))
        for outcome in ["success", "success", "success", "success", "fail", "fail"] { _ = try store.report(skillName: "scrape_and_summarize", outcome: outcome) }
        _ = try store.report(skillName: "other_web", outcome: "fail")
        for _ in 0..<2 { _ = try store.report(skillName: "brief", outcome: "fail") }
        for _ in 0..<5 { _ = try store.report(skillName: "nodomain", outcome: "fail") }
        // web: 4 of 7 (0.571) across both skills; text: 2 outcomes, not judged; no domain: not counted.
        #expect(store.domainsNeedingEvolution(threshold: 0.6) == ["web"])
        #expect(store.domainsNeedingEvolution(threshold: 0.5).isEmpty)
        _ = try store.report(skillName: "brief", outcome: "success")
        #expect(store.domainsNeedingEvolution(threshold: 0.6) == ["text", "web"], "text judged at 3 outcomes (1 of 3)")
    }
}
