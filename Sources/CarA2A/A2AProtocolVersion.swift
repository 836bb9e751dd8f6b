/// The two A2A protocol versions the daemon speaks. A reply is always in the shapes of the
/// version its request was made in: the official 1.3.0 client rejects a 1.0-labelled reply in
/// 0.3 shapes, and a 0.3 client cannot read 1.0 ones.
public enum A2AProtocolVersion: String, Sendable, Hashable, CaseIterable {
    /// PascalCase methods, wrapped results, `TASK_STATE_*`, `ROLE_*`, no `kind`, no `final`.
    case v1_0 = "1.0"
    /// Slash methods, bare results with `kind`, lowercase states, `blocking`, `final`.
    case v0_3 = "0.3"
}
