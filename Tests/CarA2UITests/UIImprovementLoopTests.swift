@testable import CarA2UI
import CarJSON
import Testing

@Suite struct UIImprovementAgentTests {
    typealias F = A2UIFixtures
    typealias Issue_ = A2UIRenderReport.Issue

    static let longText = "A rather long sentence that does not fit its box at all"  // 55 characters

    /// A store with surface "s" holding one of each component the strategies fix.
    static func surface() throws -> (A2UISurfaceStore, A2UISurface) {
        let store = A2UISurfaceStore()
        _ = try store.apply(F.create("s"), owner: nil)
        let result = try store.apply(F.components("s", [
            F.column("root", ["title", "bound", "small", "caption", "pic", "list", "empty", "one", "row"]),
            F.text("title", Self.longText),
            ["id": "bound", "component": "Text", "text": ["path": "/title"]],
            F.text("small", "Eight ch"),
            ["id": "caption", "component": "Text", "text": ["path": "/t"], "variant": "caption"],
            ["id": "pic", "component": "Image", "url": "https://example.com/a.png", "description": "A cat", "weight": 2],
            ["id": "list", "component": "List", "children": ["i1", "i2", "i3", "i4"]],
            F.text("i1"), F.text("i2"), F.text("i3"), F.text("i4"),
            ["id": "empty", "component": "List", "children": []],
            ["id": "one", "component": "List", "children": ["i1"]],
            ["id": "row", "component": "Row", "children": ["i1", "i2"], "justify": "start"],
        ]), owner: nil)
        return (store, try #require(result.surface))
    }

    static func decide(_ issues: [Issue_], on surface: A2UISurface) -> UIImprovementAgent.Patch? {
        UIImprovementAgent().decide(A2UIRenderReport(surfaceID: surface.id, revision: surface.revision, issues: issues), surface: surface)
    }

    /// The patch's envelope is one the store accepts.
    static func applies(_ patch: UIImprovementAgent.Patch, to store: A2UISurfaceStore) throws -> A2UISurface {
        try #require(try store.apply(patch.envelope, owner: nil).surface)
    }

    @Test func truncatesLiteralTextWithAnEllipsis() throws {
        let (store, surface) = try Self.surface()
        let patch = try #require(Self.decide([Issue_(kind: .textOverflow, componentID: "title", detail: ["scrollWidth": 200, "clientWidth": 100])],
                                             on: surface))
        #expect(patch.strategy == .truncateText)
        #expect(patch.componentID == "title")
        #expect(patch.issue == .textOverflow)
        #expect(patch.before == surface.components["title"])
        let text = try #require(patch.after["text"]?.stringValue)
        #expect(text.hasSuffix("…"))
        #expect(text.count < Self.longText.count)
        #expect(text.count - 1 >= 8)
        #expect(Self.longText.hasPrefix(String(text.dropLast())))
        #expect(text.count - 1 == 55 / 2 - 2, "kept: half the characters (the width ratio) less 2")
        #expect(patch.after["component"] == "Text")
        #expect(patch.added.isEmpty)
        let after = try Self.applies(patch, to: store)
        #expect(after.components["title"]?["text"] == .string(text))
    }

    @Test func truncationKeepsAtLeastEightCharacters() throws {
        let (_, surface) = try Self.surface()
        let patch = try #require(Self.decide([Issue_(kind: .textOverflow, componentID: "title", detail: ["scrollWidth": 1_000, "clientWidth": 1])],
                                             on: surface))
        #expect(patch.after["text"] == .string(String(Self.longText.prefix(8)) + "…"))
        // Without measurements it keeps about 80%.
        let guessed = try #require(Self.decide([Issue_(kind: .textOverflow, componentID: "title")], on: surface))
        let kept = try #require(guessed.after["text"]?.stringValue).count - 1
        #expect(kept == Int(55.0 * 0.8) - 2)
        // Text of eight characters cannot be cut further: no patch.
        #expect(Self.decide([Issue_(kind: .textOverflow, componentID: "small", detail: ["scrollWidth": 200, "clientWidth": 100])], on: surface) == nil)
    }

    @Test func boundTextShrinksToCaption() throws {
        let (store, surface) = try Self.surface()
        let patch = try #require(Self.decide([Issue_(kind: .textOverflow, componentID: "bound")], on: surface))
        #expect(patch.strategy == .shrinkText)
        #expect(patch.after["variant"] == "caption")
        #expect(patch.after["text"] == ["path": "/title"])
        _ = try Self.applies(patch, to: store)
        #expect(Self.decide([Issue_(kind: .textOverflow, componentID: "caption")], on: surface) == nil, "already a caption")
    }

    @Test func failedImageBecomesAPhotoIcon() throws {
        let (store, surface) = try Self.surface()
        let patch = try #require(Self.decide([Issue_(kind: .imageFailed, componentID: "pic")], on: surface))
        #expect(patch.strategy == .imagePlaceholder)
        #expect(patch.after == ["id": "pic", "component": "Icon", "name": "photo", "accessibility": ["label": "A cat"], "weight": 2])
        let after = try Self.applies(patch, to: store)
        #expect(after.components["pic"]?["component"] == "Icon")
        #expect(after.diagnostics.isComplete)
    }

    @Test func overflowingListIsPaginated() throws {
        let (store, surface) = try Self.surface()
        let visible = try #require(Self.decide([Issue_(kind: .listOverflow, componentID: "list", detail: ["visibleCount": 2])], on: surface))
        #expect(visible.strategy == .paginateList)
        #expect(visible.after["children"] == ["i1", "i2"])
        let measured = try #require(Self.decide([Issue_(kind: .listOverflow, componentID: "list",
                                                        detail: ["scrollHeight": 400, "clientHeight": 300])], on: surface))
        #expect(measured.after["children"] == ["i1", "i2", "i3"])
        let guessed = try #require(Self.decide([Issue_(kind: .listOverflow, componentID: "list")], on: surface))
        #expect(guessed.after["children"] == ["i1", "i2"])
        // Always fewer children than before, and at least one.
        let all = try #require(Self.decide([Issue_(kind: .listOverflow, componentID: "list", detail: ["visibleCount": 10])], on: surface))
        #expect(all.after["children"] == ["i1", "i2", "i3"])
        let none = try #require(Self.decide([Issue_(kind: .listOverflow, componentID: "list", detail: ["visibleCount": 0])], on: surface))
        #expect(none.after["children"] == ["i1"])
        _ = try Self.applies(visible, to: store)
        // A list of one child is not paginated.
        #expect(Self.decide([Issue_(kind: .listOverflow, componentID: "one", detail: ["visibleCount": 0])], on: surface) == nil)
    }

    @Test func emptyListGetsAPlaceholder() throws {
        let (store, surface) = try Self.surface()
        let patch = try #require(Self.decide([Issue_(kind: .emptyList, componentID: "empty")], on: surface))
        #expect(patch.strategy == .emptyListPlaceholder)
        #expect(patch.after["children"] == ["empty.empty"])
        #expect(patch.added == [["id": "empty.empty", "component": "Text", "text": "Nothing to show", "variant": "caption"]])
        let components = patch.envelope["updateComponents"]?["components"]?.arrayValue
        #expect(components?.count == 2)
        let after = try Self.applies(patch, to: store)
        #expect(after.diagnostics.isComplete)
        // Once the placeholder exists, no second one.
        #expect(Self.decide([Issue_(kind: .emptyList, componentID: "empty")], on: after) == nil)
        // A list with children is not empty.
        #expect(Self.decide([Issue_(kind: .emptyList, componentID: "list")], on: surface) == nil)
    }

    @Test func offscreenRowBecomesAColumn() throws {
        let (store, surface) = try Self.surface()
        let patch = try #require(Self.decide([Issue_(kind: .offscreen, componentID: "row")], on: surface))
        #expect(patch.strategy == .wrapRow)
        #expect(patch.after == ["id": "row", "component": "Column", "children": ["i1", "i2"], "justify": "start"])
        #expect(patch.envelope == ["version": "v0.9", "updateComponents": ["surfaceId": "s", "components": [.object(patch.after)]]])
        let after = try Self.applies(patch, to: store)
        #expect(after.components["row"]?["component"] == "Column")
    }

    @Test func noPatchWhenNothingApplies() throws {
        let (_, surface) = try Self.surface()
        let inapplicable: [Issue_] = [
            Issue_(kind: .textOverflow, componentID: "ghost"),
            Issue_(kind: .textOverflow, componentID: "row"),
            Issue_(kind: .offscreen, componentID: "root"),
            Issue_(kind: .imageFailed, componentID: "title"),
            Issue_(kind: .emptyList, componentID: "row"),
            Issue_(kind: .listOverflow, componentID: "pic"),
        ]
        for issue in inapplicable { #expect(Self.decide([issue], on: surface) == nil, "\(issue.kind) on \(issue.componentID)") }
        #expect(Self.decide([], on: surface) == nil)
        #expect(Self.decide(inapplicable, on: surface) == nil)
    }

    @Test func firstFixableIssueWins() throws {
        let (_, surface) = try Self.surface()
        let patch = try #require(Self.decide([Issue_(kind: .textOverflow, componentID: "ghost"), Issue_(kind: .imageFailed, componentID: "title"),
                                              Issue_(kind: .offscreen, componentID: "row"), Issue_(kind: .imageFailed, componentID: "pic")],
                                             on: surface))
        #expect(patch.componentID == "row")
    }

    @Test func reportJSON() {
        let report = A2UIRenderReport(surfaceID: "s", revision: 3, issues: [Issue_(kind: .emptyList, componentID: "l", detail: ["childCount": 0])],
                                      renderer: "dashboard", renderMs: 1.5, viewport: (width: 800, height: 600))
        #expect(report.json == ["surfaceId": "s", "revision": 3, "renderer": "dashboard", "renderMs": 1.5,
                                "viewport": ["width": 800.0, "height": 600.0],
                                "issues": [["kind": "emptyList", "componentId": "l", "detail": ["childCount": 0.0]]]])
        #expect(A2UIRenderReport.IssueKind.allCases.map(\.rawValue) == ["textOverflow", "offscreen", "imageFailed", "emptyList", "listOverflow"])
    }
}

@Suite struct OscillationDetectorTests {
    static func patch(_ before: String, _ after: String, component: String = "c") -> UIImprovementAgent.Patch {
        UIImprovementAgent.Patch(strategy: .truncateText, componentID: component, issue: .textOverflow,
                                 before: ["id": .string(component), "component": "Text", "text": .string(before)],
                                 after: ["id": .string(component), "component": "Text", "text": .string(after)],
                                 added: [], surfaceID: "s")
    }

    static let second: Int64 = 1_000_000

    @Test func backAndForthCoolsDown() {
        let detector = OscillationDetector(cooldownSeconds: 60)
        #expect(detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 0))
        #expect(!detector.isCooling("s", now: 1))
        #expect(!detector.admit(Self.patch("B", "A"), surfaceID: "s", now: 1))
        #expect(detector.isCooling("s", now: 2))
        // While cooling, even a fresh patch waits.
        #expect(!detector.admit(Self.patch("X", "Y"), surfaceID: "s", now: 2))
        // Other surfaces are not affected.
        #expect(!detector.isCooling("t", now: 2))
        #expect(detector.admit(Self.patch("B", "A"), surfaceID: "t", now: 2))
    }

    @Test func returnAfterSeveralStepsCoolsDown() {
        let detector = OscillationDetector()
        #expect(detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 0))
        #expect(detector.admit(Self.patch("B", "C"), surfaceID: "s", now: 1))
        #expect(!detector.admit(Self.patch("C", "A"), surfaceID: "s", now: 2))
    }

    @Test func repeatingAPatchCoolsDown() {
        let detector = OscillationDetector()
        #expect(detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 0))
        #expect(!detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 1))
        #expect(detector.isCooling("s", now: 1))
    }

    @Test func distinctPatchesPass() {
        let detector = OscillationDetector()
        #expect(detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 0))
        #expect(detector.admit(Self.patch("B", "C"), surfaceID: "s", now: 1))
        #expect(detector.admit(Self.patch("C", "D"), surfaceID: "s", now: 2))
        // The same states on another component are a different history.
        #expect(detector.admit(Self.patch("B", "A", component: "other"), surfaceID: "s", now: 3))
        #expect(detector.admit(Self.patch("A", "B", component: "third"), surfaceID: "s", now: 4))
        #expect(!detector.isCooling("s", now: 5))
    }

    @Test func cooldownExpiresByTime() {
        let detector = OscillationDetector(cooldownSeconds: 60)
        #expect(detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 0))
        #expect(!detector.admit(Self.patch("B", "A"), surfaceID: "s", now: 10 * Self.second))
        #expect(detector.isCooling("s", now: 69 * Self.second))
        #expect(!detector.isCooling("s", now: 70 * Self.second))
        #expect(detector.admit(Self.patch("X", "Y"), surfaceID: "s", now: 70 * Self.second))
    }

    @Test func memoryIsBounded() {
        let detector = OscillationDetector(memory: 2)
        #expect(detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 0))
        #expect(detector.admit(Self.patch("C", "D"), surfaceID: "s", now: 1))
        #expect(detector.admit(Self.patch("E", "F"), surfaceID: "s", now: 2))
        // A → B has been forgotten: B → A is no longer seen as a return.
        #expect(detector.admit(Self.patch("B", "A"), surfaceID: "s", now: 3))
    }

    @Test func forgetResets() {
        let detector = OscillationDetector()
        #expect(detector.admit(Self.patch("A", "B"), surfaceID: "s", now: 0))
        #expect(!detector.admit(Self.patch("B", "A"), surfaceID: "s", now: 1))
        detector.forget("s")
        #expect(!detector.isCooling("s", now: 2))
        #expect(detector.admit(Self.patch("B", "A"), surfaceID: "s", now: 2))
    }

    @Test func fingerprintIgnoresKeyOrder() {
        let a: [String: JSONValue] = ["id": "x", "component": "Text", "text": "t"]
        var b: [String: JSONValue] = [:]
        for key in ["text", "component", "id"] { b[key] = a[key] }
        #expect(OscillationDetector.fingerprint(a) == OscillationDetector.fingerprint(b))
        #expect(OscillationDetector.fingerprint(a) != OscillationDetector.fingerprint(["id": "x", "component": "Text", "text": "u"]))
    }
}

@Suite struct IterationBudgetTests {
    @Test func limitThenRefused() {
        let budget = IterationBudget(limit: 3)
        #expect(budget.take("s"))
        #expect(budget.take("s"))
        #expect(budget.take("s"))
        #expect(budget.spent("s") == 3)
        #expect(!budget.take("s"))
        #expect(!budget.take("s"))
        #expect(budget.spent("s") == 3)
        // Per surface.
        #expect(budget.spent("t") == 0)
        #expect(budget.take("t"))
    }

    @Test func forgetResets() {
        let budget = IterationBudget(limit: 1)
        #expect(budget.take("s"))
        #expect(!budget.take("s"))
        budget.forget("s")
        #expect(budget.spent("s") == 0)
        #expect(budget.take("s"))
    }

    @Test func defaultLimit() {
        let budget = IterationBudget()
        #expect(budget.limit == IterationBudget.defaultLimit)
        #expect(IterationBudget.defaultLimit == 5)
        for _ in 0..<5 { #expect(budget.take("s")) }
        #expect(!budget.take("s"))
        #expect(!IterationBudget(limit: 0).take("s"))
    }
}
