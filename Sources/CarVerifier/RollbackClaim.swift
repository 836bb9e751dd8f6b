import CarIR
import CarJSON

/// An action's rollback contract: its `reversibility` and optional `compensation`
/// (agent-ir-spec.md). `CarIR.Action` does not carry these fields yet, so they travel beside
/// the proposal, one per action; `RollbackClaim(json:)` reads them from an action's JSON.
public struct RollbackClaim: Sendable, Hashable {
    public enum Reversibility: String, Sendable, Hashable, CaseIterable {
        case reversible, compensable, irreversible
    }

    public enum Compensation: Sendable, Hashable {
        /// Run a tool that reverses the effect.
        case tool(String, parameters: [String: JSONValue])
        /// Run another action of the same proposal, by id.
        case actionRef(String)
    }

    public var reversibility: Reversibility
    public var compensation: Compensation?

    /// The spec's default: an unclassified action is irreversible and names no compensation.
    public static let unclassified = RollbackClaim(reversibility: .irreversible, compensation: nil)

    public init(reversibility: Reversibility, compensation: Compensation?) {
        self.reversibility = reversibility
        self.compensation = compensation
    }
}

extension RollbackClaim {
    /// Reads `reversibility` and `compensation` from one action object, rejecting the shapes
    /// the reference's reader rejects (an unknown variant, a missing `tool`/`action_id`, a
    /// `null` reversibility). `path` names the action in errors, e.g. `proposal.actions[2]`.
    public init(json action: JSONValue, path: String) throws(ProposalError) {
        let object = action.objectValue ?? [:]
        var reversibility = Reversibility.irreversible
        if let value = object["reversibility"] {
            guard case .string(let name) = value, let known = Reversibility(rawValue: name) else {
                throw ProposalError(path: "\(path).reversibility", problem: "must be 'reversible', 'compensable' or 'irreversible'")
            }
            reversibility = known
        }
        var compensation: Compensation?
        if let value = object["compensation"], value != .null {
            let at = "\(path).compensation"
            guard case .object(let fields) = value else { throw ProposalError(path: at, problem: "must be an object") }
            switch fields["type"] {
            case .string("tool")?:
                guard case .string(let tool)? = fields["tool"] else { throw ProposalError(path: "\(at).tool", problem: "is required and must be a string") }
                var parameters: [String: JSONValue] = [:]
                if let given = fields["parameters"] {
                    guard case .object(let members) = given else { throw ProposalError(path: "\(at).parameters", problem: "must be an object") }
                    parameters = members
                }
                compensation = .tool(tool, parameters: parameters)
            case .string("action_ref")?:
                guard case .string(let id)? = fields["action_id"] else { throw ProposalError(path: "\(at).action_id", problem: "is required and must be a string") }
                compensation = .actionRef(id)
            default:
                throw ProposalError(path: "\(at).type", problem: "must be 'tool' or 'action_ref'")
            }
        }
        self.init(reversibility: reversibility, compensation: compensation)
    }
}
