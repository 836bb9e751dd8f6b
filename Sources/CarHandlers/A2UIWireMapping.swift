import CarA2UI
import CarGenerated

extension A2UIRenderReport {
    static let maxIssues = 256

    static func kind(_ wire: CarSchemas.A2uiRenderIssue.Kind) -> IssueKind {
        switch wire {
        case .textOverflow: .textOverflow
        case .offscreen: .offscreen
        case .imageFailed: .imageFailed
        case .emptyList: .emptyList
        case .listOverflow: .listOverflow
        }
    }

    init(wire: CarSchemas.A2uiRenderReport) throws(A2UIError) {
        guard wire.issues.count <= Self.maxIssues else {
            throw A2UIError(.limitExceeded, "a report of \(wire.issues.count) issues; the limit is \(Self.maxIssues)", path: "/issues",
                            surfaceID: wire.surfaceId)
        }
        if let renderer = wire.renderer, renderer.utf8.count > 128 {
            throw A2UIError(.limitExceeded, "renderer is over 128 bytes", path: "/renderer", surfaceID: wire.surfaceId)
        }
        var issues: [Issue] = []
        for (index, issue) in wire.issues.enumerated() {
            let detail = issue.detail ?? [:]
            guard detail.count <= 16, detail.values.allSatisfy({ $0.isFinite && abs($0) <= 1e9 }) else {
                throw A2UIError(.invalidMessage, "issues/\(index)/detail holds at most 16 finite measurements of at most 1e9",
                                path: "/issues/\(index)/detail", surfaceID: wire.surfaceId)
            }
            issues.append(Issue(kind: Self.kind(issue.kind), componentID: issue.componentId, detail: detail))
        }
        if let renderMs = wire.renderMs, !renderMs.isFinite {
            throw A2UIError(.invalidMessage, "renderMs must be finite", path: "/renderMs", surfaceID: wire.surfaceId)
        }
        self.init(surfaceID: wire.surfaceId, revision: wire.revision.map(Int64.init),
                  issues: issues,
                  renderer: wire.renderer, renderMs: wire.renderMs,
                  viewport: wire.viewport.flatMap { v in v.width.flatMap { w in v.height.map { (w, $0) } } }
                      .flatMap { $0.isFinite && $1.isFinite ? ($0, $1) : nil })
    }
}
