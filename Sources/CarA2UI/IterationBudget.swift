import Synchronization

/// The backstop behind the oscillation detector: at most `limit` agent patches per surface,
/// ever (until the surface is deleted), so no loop the detector misses can run away.
public final class IterationBudget: Sendable {
    /// The default cap on agent patches per surface (the spec's `a2ui.render_report` says it).
    public static let defaultLimit = 5

    public let limit: Int
    private let used = Mutex<[String: Int]>([:])

    public init(limit: Int = IterationBudget.defaultLimit) {
        self.limit = limit
    }

    /// Takes one patch from the surface's budget; false when it is spent.
    public func take(_ surfaceID: String) -> Bool {
        let limit = limit
        return used.withLock { used in
            let spent = used[surfaceID] ?? 0
            guard spent < limit else { return false }
            used[surfaceID] = spent + 1
            return true
        }
    }

    /// Gives back a patch taken for one that was not applied.
    public func refund(_ surfaceID: String) {
        used.withLock { used in
            if let spent = used[surfaceID], spent > 0 { used[surfaceID] = spent - 1 }
        }
    }

    public func spent(_ surfaceID: String) -> Int {
        used.withLock { $0[surfaceID] ?? 0 }
    }

    public func forget(_ surfaceID: String) {
        used.withLock { _ = $0.removeValue(forKey: surfaceID) }
    }
}
