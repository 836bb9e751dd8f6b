/// The approval-transport channels a person can be reached on. Each has its own enabled
/// flag, allowlist and pairing code.
public enum MessagingChannel: String, Sendable, Hashable, CaseIterable {
    case imessage
    case slack
}
