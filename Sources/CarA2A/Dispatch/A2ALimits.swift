/// The dispatcher's bounds. Every one refuses with a clear error (or, for history, drops the
/// oldest) rather than growing.
public struct A2ALimits: Sendable, Equatable {
    /// Tasks whose work runs at once (a cancelled runtime that has not returned yet still
    /// counts); past it a new message is refused.
    public var maxRunningTasks = 64
    public var maxPartsPerMessage = 64
    /// Bytes the parts of one incoming message carry together (text, raw bytes, URLs, data).
    public var maxMessageBytes = 1 << 20
    /// Messages a task keeps; past it the oldest are dropped.
    public var maxHistory = 64
    /// Streams following one task at once.
    public var maxSubscribersPerTask = 16
    /// Events waiting for one slow stream consumer; past it that stream is ended (the task
    /// goes on and can be read with GetTask), as the SDK's server drops a subscriber that falls
    /// behind, so a stalled reader never grows memory.
    public var streamBuffer = 64
    /// A tool's result or a conversational reply, in bytes; a larger one fails the task.
    public var maxResultBytes = 4 << 20
    /// How long a blocking send waits for the task to end before it answers with the task as
    /// it is then.
    public var blockingWait: Duration = .seconds(180)
    /// The longest error text kept in a failed task's status message.
    public var maxErrorTextBytes = 4_096

    public init() {}
}
