import CarJSON

/// What a renderer measured after drawing a surface (`a2ui.render_report`): the input of the
/// UI-improvement loop.
public struct A2UIRenderReport: Sendable {
    public enum IssueKind: String, Sendable, CaseIterable {
        /// Text wider than its box (cut off or ellipsized).
        case textOverflow
        /// An element drawn outside the viewport.
        case offscreen
        /// An image that did not load.
        case imageFailed
        /// A list with no children.
        case emptyList
        /// A list whose content is taller than its box.
        case listOverflow
    }

    public struct Issue: Sendable {
        public let kind: IssueKind
        public let componentID: String
        /// Measurements: scrollWidth, clientWidth, scrollHeight, clientHeight, childCount, visibleCount.
        public let detail: [String: Double]

        public init(kind: IssueKind, componentID: String, detail: [String: Double] = [:]) {
            self.kind = kind
            self.componentID = componentID
            self.detail = detail
        }
    }

    public let surfaceID: String
    /// The surface revision the renderer drew; a report about an older revision is stale.
    public let revision: Int64?
    public let issues: [Issue]
    public let renderer: String?
    public let renderMs: Double?
    public let viewport: (width: Double, height: Double)?

    public init(surfaceID: String, revision: Int64?, issues: [Issue], renderer: String? = nil, renderMs: Double? = nil,
                viewport: (width: Double, height: Double)? = nil) {
        self.surfaceID = surfaceID
        self.revision = revision
        self.issues = issues
        self.renderer = renderer
        self.renderMs = renderMs
        self.viewport = viewport
    }

    /// The report as subscribers receive it (`a2ui.event` kind `a2ui.render_report`).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "surfaceId": .string(surfaceID),
            "issues": .array(issues.map { issue in
                ["kind": .string(issue.kind.rawValue), "componentId": .string(issue.componentID),
                 "detail": .object(issue.detail.mapValues { .double($0) })]
            }),
        ]
        if let revision { object["revision"] = .int(revision) }
        if let renderer { object["renderer"] = .string(renderer) }
        if let renderMs { object["renderMs"] = .double(renderMs) }
        if let viewport { object["viewport"] = ["width": .double(viewport.width), "height": .double(viewport.height)] }
        return .object(object)
    }
}
