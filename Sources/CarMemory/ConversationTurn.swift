/// One turn of the conversation the memory is serving.
public struct ConversationTurn: Sendable, Hashable {
    public var speaker: String
    public var text: String
    /// Caller's timestamp (seconds since the epoch, or whatever clock it keeps); kept, not
    /// interpreted.
    public var time: Double?

    public init(speaker: String, text: String, time: Double? = nil) {
        self.speaker = speaker
        self.text = text
        self.time = time
    }
}
