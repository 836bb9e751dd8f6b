import CarJSON

/// A message that passed every check that needs no lock, ready for `A2UISurfaceStore.commit`.
/// The commit repeats only what can change meanwhile: that the surface still is the one the
/// components were checked against, the tree-wide checks and the data-model write.
public struct A2UIPreparedMessage: Sendable {
    typealias CheckedComponent = (id: String, component: [String: JSONValue], links: [A2UILink], bytes: Int)

    enum Step: Sendable {
        case create(A2UISurfaceHeader, owner: A2UISurfaceOwner?)
        /// `expected`: commit only onto this surface at this revision (the improvement loop's
        /// patches, decided on one drawing of it).
        case update(String, incarnation: UInt64, [CheckedComponent], expected: A2UISurfaceVersion?)
        case dataModel(String, tokens: [String], pointer: String, value: JSONValue?)
        case delete(String)
    }

    let step: Step
}
