import CarGenerated
import CarRPC

/// The hand-written implementation of the generated `CarServerHandler`. Each method lives in
/// an extension file named for its namespace.
public struct CarHandler: CarServerHandler {
    public typealias Session = ClientSession

    public let state: ServerState

    public init(state: ServerState) {
        self.state = state
    }
}
