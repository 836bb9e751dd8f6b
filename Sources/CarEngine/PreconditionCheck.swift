import CarIR
import CarJSON

/// The gate before an action runs, and the body of an `assertion`: the same evaluator
/// `verify` uses (the reference's rules and wording), so a plan verify calls blocked is the
/// plan the executor blocks.
enum PreconditionCheck {
    /// The first precondition that does not hold, explained; nil when all hold.
    static func firstFailure(_ preconditions: [Precondition], in state: StateView) -> String? {
        for precondition in preconditions {
            guard let failure = PreconditionEvaluator.failure(of: precondition, actual: state.get(precondition.key)) else { continue }
            return precondition.description.isEmpty ? failure : "\(precondition.description): \(failure)"
        }
        return nil
    }
}
