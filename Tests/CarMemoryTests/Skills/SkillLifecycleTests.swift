import CarJSON
@testable import CarMemory
import Foundation
import Testing

@Suite("skill lifecycle: SHA-256, Wilson bound, gate, rejected buffer, export and import")
struct SkillLifecycleTests {
    private static func candidate(_ name: String, code: String, domain: String = "web") throws -> DistilledSkill {
        try DistilledSkill(json: ["name": .string(name), "code": .string(code), "domain": .string(domain)], at: 0)
    }

    private static func report(_ store: SkillStore, _ key: String, successes: Int, failures: Int) throws {
        for _ in 0..<successes { _ = try store.report(skillName: key, outcome: "success") }
        for _ in 0..<failures { _ = try store.report(skillName: key, outcome: "failure") }
    }

    // MARK: SHA-256

    @Test func sha256MatchesTheFIPSAndNISTVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8)
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Lengths around the padding boundary (55, 56, 63, 64 bytes) agree with incremental updates.
        for length in [55, 56, 57, 63, 64, 65, 119, 120] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var hasher = SHA256()
            hasher.update(bytes.prefix(length / 3))
            hasher.update(bytes.dropFirst(length / 3))
            #expect(hasher.finalize() == SHA256.digest(bytes))
        }
        #expect(SHA256.hex("The quick brown fox jumps over the lazy dog".utf8)
                == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
    }

    // MARK: Wilson

    @Test func wilsonLowerBoundHasTheTextbookValues() {
        #expect(SkillLifecycle.wilsonLowerBound(successes: 0, trials: 0) == 0)
        #expect(SkillLifecycle.wilsonLowerBound(successes: 0, trials: 10) < 1e-12)
        // 5/5 at z = 1.96: 0.5655; 8/10: 0.4902; 50/100: 0.4038.
        #expect(abs(SkillLifecycle.wilsonLowerBound(successes: 5, trials: 5) - 0.56551) < 1e-4)
        #expect(abs(SkillLifecycle.wilsonLowerBound(successes: 8, trials: 10) - 0.49016) < 1e-4)
        #expect(abs(SkillLifecycle.wilsonLowerBound(successes: 50, trials: 100) - 0.40383) < 1e-4)
        // More evidence at the same rate raises the bound.
        #expect(SkillLifecycle.wilsonLowerBound(successes: 80, trials: 100) > SkillLifecycle.wilsonLowerBound(successes: 8, trials: 10))
    }

    @Test func theVerdictWaitsForEnoughTrialsAndNeedsAStrictWin() {
        let few = SkillStats(successCount: 4, failCount: 0)
        #expect(SkillLifecycle.verdict(candidate: few, incumbent: nil) == nil, "4 outcomes < min_trial_samples")
        #expect(SkillLifecycle.verdict(candidate: SkillStats(successCount: 5, failCount: 0), incumbent: nil) == true)
        #expect(SkillLifecycle.verdict(candidate: SkillStats(successCount: 0, failCount: 5), incumbent: nil) == false,
                "bound 0 does not strictly beat an absent incumbent's 0")
        let incumbent = SkillStats(successCount: 8, failCount: 2)
        #expect(SkillLifecycle.verdict(candidate: SkillStats(successCount: 8, failCount: 2), incumbent: incumbent) == false, "a tie loses")
        #expect(SkillLifecycle.verdict(candidate: SkillStats(successCount: 30, failCount: 2), incumbent: incumbent) == true)
    }

    // MARK: Gate

    @Test func aWinnerReplacesItsIncumbentAndALoserIsRejectedAndNeverRetrialed() throws {
        let store = SkillStore()
        _ = try store.ingest(distilled: [try Self.candidate("fetch", code: "v1")])
        try Self.report(store, "fetch", successes: 1, failures: 3)
        let incumbentNode = try #require(store.skill(named: "fetch")).nodeID
        #expect(try store.ingest(provisional: [try Self.candidate("fetch", code: "v2"), try Self.candidate("parse", code: "p2")],
                                 tenant: "acme") == 2)
        #expect(store.meta(key: "fetch@cand")?.status == .provisional && store.meta(key: "fetch@cand")?.incumbent == "fetch")
        #expect(store.meta(key: "fetch@cand")?.tenant == "acme")
        #expect(store.find(persona: nil, url: nil, task: "fetch", maxResults: 10).allSatisfy { $0.skill.status == .active })
        #expect(store.gate() == GateReport(), "no candidate has its trials yet")

        try Self.report(store, "fetch@cand", successes: 5, failures: 0)
        try Self.report(store, "parse@cand", successes: 0, failures: 5)
        let report = store.gate()
        #expect(report.promoted == ["fetch@cand"] && report.rejected == ["parse@cand"])
        #expect(report.resolutions.map(\.version) == [2, nil])
        let promoted = try #require(store.skill(named: "fetch"))
        #expect(promoted.code == "v2" && promoted.version == 2 && promoted.status == .active && promoted.nodeID == incumbentNode)
        #expect(promoted.stats.successCount == 5 && promoted.stats.failCount == 0, "the candidate's trial record comes along")
        #expect(store.skill(named: "fetch@cand") == nil && store.skill(named: "parse@cand") == nil && store.skill(named: "parse") == nil)
        #expect(store.rejectedCandidates == [RejectedCandidate(key: "parse@cand", code: "p2")])

        // The rejected edit is skipped; a different edit of the same base may trial.
        #expect(try store.ingest(provisional: [try Self.candidate("parse", code: "p2")], tenant: nil) == 0)
        #expect(try store.ingest(provisional: [try Self.candidate("parse", code: "p3")], tenant: nil) == 1)
        // Already trialing: skipped, and the trial is not reset.
        _ = try store.report(skillName: "parse@cand", outcome: "success")
        #expect(try store.ingest(provisional: [try Self.candidate("parse", code: "p4")], tenant: nil) == 0)
        #expect(store.meta(key: "parse@cand")?.stats.successCount == 1)
        #expect(store.gate() == GateReport(), "idempotent: nothing else is ready")
        // A promotion over a new base starts it at version 1.
        try Self.report(store, "parse@cand", successes: 4, failures: 0)
        #expect(store.gate().promoted == ["parse@cand"])
        #expect(store.meta(key: "parse")?.version == 1)
    }

    @Test func aCandidateKeyIsRefusedAsANameAndABatchRepeatCountsOnce() throws {
        let store = SkillStore()
        #expect(throws: SkillError.self) { try store.ingest(provisional: [try Self.candidate("x@cand", code: "c")], tenant: nil) }
        #expect(try store.ingest(provisional: [try Self.candidate("x", code: "a"), try Self.candidate("x", code: "b")], tenant: nil) == 1)
        #expect(store.skill(named: "x@cand")?.code == "a")
        let full = SkillStore(maxSkills: 2)
        #expect(throws: SkillError.self) {
            try full.ingest(provisional: ["a", "b", "c"].map { try Self.candidate($0, code: $0) }, tenant: nil)
        }
        #expect(full.count == 0, "all or nothing")
    }

    @Test func theRejectedBufferIsBoundedOldestFirst() {
        var buffer = RejectedBuffer(capacity: 3)
        for index in 0..<10 { buffer.append(RejectedCandidate(key: "s\(index)@cand", code: "c")) }
        #expect(buffer.count == 3)
        #expect(buffer.ordered.map(\.key) == ["s7@cand", "s8@cand", "s9@cand"])
        #expect(!buffer.contains(RejectedCandidate(key: "s6@cand", code: "c")))
        #expect(buffer.contains(RejectedCandidate(key: "s9@cand", code: "c")))
        buffer.append(RejectedCandidate(key: "s9@cand", code: "c"))
        #expect(buffer.count == 3, "a repeat is not stored twice")
        var big = RejectedBuffer()
        for index in 0..<(SkillLifecycle.rejectedCapacity * 3) { big.append(RejectedCandidate(key: "k\(index)", code: "c")) }
        #expect(big.count == SkillLifecycle.rejectedCapacity && big.entries.count <= 2 * SkillLifecycle.rejectedCapacity + 1)
    }

    @Test func theGateOverManyCandidatesRejectsIntoTheBoundedBuffer() throws {
        let store = SkillStore()
        let batch = try (0..<3_000).map { try Self.candidate("s\($0)", code: "code \($0)") }
        #expect(try store.ingest(provisional: batch, tenant: nil) == 3_000)
        for index in 0..<3_000 { try Self.report(store, "s\(index)@cand", successes: index % 2 == 0 ? 5 : 0, failures: index % 2 == 0 ? 0 : 5) }
        let report = store.gate()
        #expect(report.promoted.count == 1_500 && report.rejected.count == 1_500)
        #expect(store.count == 1_500 && store.rejectedCandidates.count == SkillLifecycle.rejectedCapacity)
    }

    // MARK: The log keeps the lifecycle

    @Test func lifecycleStateSurvivesReplayAndCompaction() throws {
        let path = MemoryLogReplayTests.logPath()
        let log = try MemoryLog.open(path: path)
        let store = log.engine.skills
        _ = try store.ingest(distilled: [try Self.candidate("fetch", code: "v1")])
        _ = try store.ingest(provisional: [try Self.candidate("fetch", code: "v2"), try Self.candidate("parse", code: "p2"),
                                           try Self.candidate("wait", code: "w2")], tenant: "acme")
        try Self.report(store, "fetch@cand", successes: 5, failures: 0)
        try Self.report(store, "parse@cand", successes: 0, failures: 5)
        _ = try store.report(skillName: "wait@cand", outcome: "success")
        let report = log.engine.consolidate()
        #expect(report.candidatesPromoted == ["fetch@cand"] && report.candidatesRejected == ["parse@cand"])
        try log.flush()

        for replayed in [try MemoryLog.open(path: path)] {
            let skills = replayed.engine.skills
            #expect(skills.list() == store.list())
            #expect(skills.meta(key: "fetch")?.version == 2)
            #expect(skills.meta(key: "wait@cand")?.status == .provisional && skills.meta(key: "wait@cand")?.tenant == "acme")
            #expect(skills.rejectedCandidates == store.rejectedCandidates)
            #expect(try skills.ingest(provisional: [try Self.candidate("parse", code: "p2")], tenant: nil) == 0, "still rejected")
        }

        // A compacted log holds the same, rejected buffer included.
        #expect(log.beginCompaction())
        try log.adopt(try log.writeCompaction())
        let compacted = try MemoryLog.open(path: path).engine.skills
        #expect(compacted.list() == store.list())
        #expect(compacted.rejectedCandidates == store.rejectedCandidates)
        // The gate removed the newest nodes (the candidates): a new skill still gets the id the
        // live graph would give it, not a removed candidate's.
        let live = try store.ingest(name: "fresh", code: "x", platform: "", persona: nil, urlPattern: nil, description: "",
                                    taskKeywords: [], supersedes: nil)
        let replayed = try compacted.ingest(name: "fresh", code: "x", platform: "", persona: nil, urlPattern: nil, description: "",
                                            taskKeywords: [], supersedes: nil)
        #expect(replayed == live)
    }

    @Test func countsAndVersionsFromAFileCannotOverflowTheGateOrTheTally() throws {
        let store = SkillStore()
        let huge = Int64.max
        try store.replaceAll(with: [
            ["name": "fetch", "code": "v1", "platform": "web", "version": .int(huge),
             "stats": ["success_count": .int(huge), "fail_count": .int(huge)]],
            ["name": "fetch@cand", "code": "v2", "platform": "web", "status": "provisional", "incumbent": "fetch",
             "stats": ["success_count": .int(huge), "fail_count": 1]],
        ])
        #expect(store.list().allSatisfy { $0.stats.successCount == SkillStats.maxCount })
        _ = store.domainsNeedingEvolution(threshold: 0.6)
        let report = store.gate()
        #expect(report.promoted.count + report.rejected.count == 1)
        #expect((store.meta(key: "fetch")?.version ?? 0) <= Int(Int32.max))
    }

    // MARK: Export and import

    /// The document skill.import's conformance example holds (spec/methods.json).
    static let knownDocument = """
        +++
        format = "car-skill/1"
        name = "fetch"
        version = 1
        domain = "web"
        description = ""
        task_keywords = []
        code = "http_get(url)"
        exported_success_count = 0
        exported_fail_count = 0
        content_sha256 = "a72457472886ffeedeb1bf940974749fd0540951394701723b74b605b5852c66"
        +++

        # fetch (version 1)

        Domain: web

        ## Code

        ```
        http_get(url)
        ```

        """

    @Test func exportRendersTheDocumentedFormat() throws {
        let store = SkillStore()
        _ = try store.ingest(distilled: [try Self.candidate("fetch", code: "http_get(url)")])
        #expect(store.exportDocument(key: "fetch") == Self.knownDocument)
    }

    @Test func exportThenImportRoundTripsEveryField() throws {
        let source = SkillStore()
        let rich = try DistilledSkill(json: [
            "name": "scrape", "description": "Fetch \"quoted\" \\ text\nover lines\t\u{01}", "when_to_apply": "links ☃",
            "scope": ["domain": "web", "depth": 2], "source": "success", "domain": "web",
            "trigger": ["persona": "researcher", "url_pattern": "https://*", "task_keywords": ["summarize", "a \"b\""]],
            "code": "```\nprint('x')\n````\n\u{7F}end",
        ], at: 0)
        _ = try source.ingest(distilled: [rich])
        try Self.report(source, "scrape", successes: 3, failures: 1)
        let document = try #require(source.exportDocument(key: "scrape"))
        #expect(document.hasPrefix("+++\nformat = \"car-skill/1\"\n"))

        let target = SkillStore()
        let imported = try SkillDocument.parse(document)
        try target.importSkill(imported)
        let original = try #require(source.skill(named: "scrape"))
        let copy = try #require(target.skill(named: "scrape"))
        #expect(copy.code == original.code && copy.description == original.description && copy.whenToApply == original.whenToApply)
        #expect(copy.scope == original.scope && copy.source == original.source && copy.platform == original.platform)
        #expect(copy.persona == original.persona && copy.urlPattern == original.urlPattern && copy.taskKeywords == original.taskKeywords)
        #expect(copy.version == original.version && copy.status == .active)
        #expect(copy.stats == SkillStats(), "a fresh record on this instance")
        // The imported skill exports to the same document, but for the exporter's counts.
        #expect(target.exportDocument(key: "scrape").map { try? SkillDocument.parse($0) } == imported)
    }

    @Test func onlyActiveHealthySkillsExport() throws {
        let store = SkillStore()
        _ = try store.ingest(distilled: [try Self.candidate("good", code: "g"), try Self.candidate("bad", code: "b")])
        try Self.report(store, "bad", successes: 0, failures: 3)
        _ = try store.ingest(provisional: [try Self.candidate("good", code: "g2")], tenant: nil)
        #expect(store.exportDocument(key: "good") != nil)
        #expect(store.exportDocument(key: "bad") == nil, "degraded")
        #expect(store.exportDocument(key: "good@cand") == nil, "provisional")
        #expect(store.exportDocument(key: "absent") == nil)
    }

    @Test func everyOneByteChangeIsRefused() throws {
        let bytes = Array(Self.knownDocument.utf8)
        #expect(try SkillDocument.parse(Self.knownDocument).name == "fetch")
        var refused = 0
        for index in bytes.indices {
            var changed = bytes
            changed[index] = changed[index] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
            do {
                _ = try SkillDocument.parse(String(decoding: changed, as: UTF8.self))
            } catch {
                refused += 1
            }
        }
        #expect(refused == bytes.count)
        // Dropping or adding a byte, too.
        #expect(throws: SkillDocument.Invalid.self) { try SkillDocument.parse(String(Self.knownDocument.dropLast())) }
        #expect(throws: SkillDocument.Invalid.self) { try SkillDocument.parse(Self.knownDocument + "\n") }
    }

    @Test func malformedDocumentsAreRefusedNamingWhatIsWrong() throws {
        func refusal(_ text: String) -> String {
            do {
                _ = try SkillDocument.parse(text)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(refusal("# fetch\n").contains("no TOML front matter"))
        #expect(refusal("+++\nname = \"x\"\n").contains("not closed"))
        #expect(refusal("+++\nname = \"x\"\n+++\n").contains("content_sha256"))
        #expect(refusal(Self.knownDocument.replacingOccurrences(of: "http_get(url)\"", with: "http_get(uri)\"")).contains("does not match"))
        // Well-formed digests over bad content: the field is named.
        func signed(_ front: [String]) -> String {
            let head = "+++\n" + front.map { $0 + "\n" }.joined()
            let tail = "+++\n\nbody\n"
            return head + "content_sha256 = \"\(SHA256.hex(Array(head.utf8) + Array(tail.utf8)))\"\n" + tail
        }
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\"", "code = \"c\""])) == "accepted")
        #expect(refusal(signed(["format = \"car-skill/9\"", "name = \"x\"", "code = \"c\""])).contains("format"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "code = \"c\""])).contains("name"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x@cand\"", "code = \"c\""])).contains("candidate key"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\""])).contains("code"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\"", "code = \"c\"", "version = 0"])).contains("version"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\"", "code = \"c\"", "task_keywords = [1]"])).contains("line 4"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\"", "name = \"y\"", "code = \"c\""])).contains("twice"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\"", "code = \"c\"", "scope_json = \"[1]\""])).contains("scope_json"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\"", "code = \"c", ])).contains("unterminated"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "just words"])).contains("key = value"))
        #expect(refusal(signed(["format = \"car-skill/1\"", "name = \"x\"", "code = \"\\q\""])).contains("escape"))
    }
}
