import CarJSON

/// The in-process UI-improvement agent (the seed's `car_ui_agent`): pure decision logic. Given
/// what a renderer measured and the surface it drew, it answers no change or one patch, an
/// `updateComponents` envelope that replaces the components it fixes. It keeps no history:
/// the oscillation detector and the iteration budget between it and the store do.
public struct UIImprovementAgent: Sendable {
    public enum Strategy: String, Sendable, CaseIterable {
        /// Overflowing literal text: cut to what fits, with an ellipsis.
        case truncateText
        /// Overflowing bound text: a smaller text style.
        case shrinkText
        /// A failed image: an icon placeholder in its place.
        case imagePlaceholder
        /// A list taller than its box: only the children that fit.
        case paginateList
        /// A list with no children: a "nothing to show" line.
        case emptyListPlaceholder
        /// A row running off screen: laid out as a column.
        case wrapRow
    }

    public struct Patch: Sendable {
        public let strategy: Strategy
        public let componentID: String
        public let issue: A2UIRenderReport.IssueKind
        /// The component before and after, for the oscillation detector.
        public let before: [String: JSONValue]
        public let after: [String: JSONValue]
        /// Further components the patch adds (a placeholder's text).
        public let added: [[String: JSONValue]]

        public var envelope: JSONValue {
            ["version": "v0.9",
             "updateComponents": ["surfaceId": .string(surfaceID), "components": .array(([after] + added).map { .object($0) })]]
        }

        let surfaceID: String
    }

    /// The smallest number of characters truncation keeps.
    static let minimumKept = 8

    public init() {}

    /// The first issue (in report order) some strategy can fix, as a patch; nil for no change.
    public func decide(_ report: A2UIRenderReport, surface: A2UISurface) -> Patch? {
        for issue in report.issues {
            guard let component = surface.components[issue.componentID], let type = component["component"]?.stringValue else { continue }
            if let patch = fix(issue, component: component, type: type, surface: surface) { return patch }
        }
        return nil
    }

    private func fix(_ issue: A2UIRenderReport.Issue, component: [String: JSONValue], type: String, surface: A2UISurface) -> Patch? {
        func patch(_ strategy: Strategy, _ after: [String: JSONValue], added: [[String: JSONValue]] = []) -> Patch {
            Patch(strategy: strategy, componentID: issue.componentID, issue: issue.kind, before: component, after: after, added: added,
                  surfaceID: surface.id)
        }
        var after = component
        switch (issue.kind, type) {
        case (.textOverflow, "Text"):
            if case .string(let text)? = component["text"] {
                let characters = Array(text)
                let ratio = fraction(issue.detail["clientWidth"], of: issue.detail["scrollWidth"]) ?? 0.8
                let keep = max(Self.minimumKept, Int(Double(characters.count) * ratio) - 2)
                guard keep < characters.count else { return nil }
                after["text"] = .string(String(characters[..<keep]) + "…")
                return patch(.truncateText, after)
            }
            guard component["variant"]?.stringValue != "caption" else { return nil }
            after["variant"] = "caption"
            return patch(.shrinkText, after)
        case (.imageFailed, "Image"):
            var icon: [String: JSONValue] = ["id": .string(issue.componentID), "component": "Icon", "name": "photo"]
            if let description = component["description"] { icon["accessibility"] = ["label": description] }
            if let weight = component["weight"] { icon["weight"] = weight }
            return patch(.imagePlaceholder, icon)
        case (.listOverflow, "List"):
            guard case .array(let children)? = component["children"], children.count > 1 else { return nil }
            // Measurements are the renderer's word: clamped before they become counts.
            let visible = issue.detail["visibleCount"].map { Int(max(0, min(Double(children.count), $0.isFinite ? $0 : 0))) }
                ?? fraction(issue.detail["clientHeight"], of: issue.detail["scrollHeight"]).map { Int(Double(children.count) * $0) }
                ?? children.count / 2
            let keep = max(1, min(children.count - 1, visible))
            after["children"] = .array(Array(children[..<keep]))
            return patch(.paginateList, after)
        case (.emptyList, "List"):
            guard case .array(let children)? = component["children"], children.isEmpty else { return nil }
            let placeholderID = issue.componentID + ".empty"
            guard surface.components[placeholderID] == nil else { return nil }
            after["children"] = [.string(placeholderID)]
            return patch(.emptyListPlaceholder, after,
                         added: [["id": .string(placeholderID), "component": "Text", "text": "Nothing to show", "variant": "caption"]])
        case (.offscreen, "Row"):
            after["component"] = "Column"
            return patch(.wrapRow, after)
        default:
            return nil
        }
    }

    private func fraction(_ part: Double?, of whole: Double?) -> Double? {
        guard let part, let whole, whole > 0, part >= 0, part < whole else { return nil }
        return part / whole
    }
}
