import CarA2UI
import CarGenerated

extension A2UIRenderReport {
    static let maxIssues = 256

    init(wire: CarSchemas.A2uiRenderReport) throws(A2UIError) {
        guard wire.issues.count <= Self.maxIssues else {
            throw A2UIError(.limitExceeded, "a report of \(wire.issues.count) issues; the limit is \(Self.maxIssues)", path: "/issues",
                            surfaceID: wire.surfaceId)
        }
        if let renderer = wire.renderer, renderer.utf8.count > 128 {
            throw A2UIError(.limitExceeded, "renderer is over 128 bytes", path: "/renderer", surfaceID: wire.surfaceId)
        }
        self.init(surfaceID: wire.surfaceId, revision: wire.revision.map(Int64.init),
                  issues: wire.issues.map { issue in
                      Issue(kind: IssueKind(rawValue: issue.kind.rawValue)!, componentID: issue.componentId, detail: issue.detail ?? [:])
                  },
                  renderer: wire.renderer, renderMs: wire.renderMs,
                  viewport: wire.viewport.flatMap { v in v.width.flatMap { w in v.height.map { (w, $0) } } })
    }
}
