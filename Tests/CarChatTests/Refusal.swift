import Testing
@testable import CarChat

/// The ChatError `body` throws; records an issue when it throws none, or something else.
func refusal(_ body: () throws -> Void) -> ChatError? {
    do {
        try body()
        Issue.record("expected a ChatError")
        return nil
    } catch {
        guard let chatError = error as? ChatError else {
            Issue.record("expected a ChatError, got \(error)")
            return nil
        }
        return chatError
    }
}
