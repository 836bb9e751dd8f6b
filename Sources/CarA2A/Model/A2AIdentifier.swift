import CarJSON
import Foundation

/// Ids and times the dispatcher makes.
public enum A2AIdentifier {
    /// A lowercase UUID: what the SDK's server makes for task, context and artifact ids.
    public static func make() -> String { UUID().uuidString.lowercased() }

    /// Now, in microseconds, cut to the millisecond the wire carries: a timestamp that goes
    /// out and comes back (a task log's replay) sorts the same as when it was made.
    public static func now() -> Int64 { RFC3339.nowMicros() / 1_000 * 1_000 }
}
