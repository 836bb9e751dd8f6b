/// Where the agent supervisor keeps its files, and what its children inherit. The CLI takes
/// them from the state root (`StatePaths`); an embedder or a test gives its own, or none to
/// supervise nothing.
public struct AgentsConfiguration: Sendable {
    public var manifestPath: String
    public var logsDirectory: String
    public var runDirectory: String
    /// Handed to children as `CAR_HOME`.
    public var stateRoot: String
    /// The environment children start from (the spec's `env` and the `CAR_AGENT_*` variables
    /// go on top).
    public var environment: [String: String]
    /// Commands under these are refused (the world-writable scratch directories); a test
    /// whose scripts live in a temporary directory passes its own list.
    public var forbiddenCommandRoots: [String]?

    public init(manifestPath: String, logsDirectory: String, runDirectory: String, stateRoot: String,
                environment: [String: String], forbiddenCommandRoots: [String]? = nil) {
        self.manifestPath = manifestPath
        self.logsDirectory = logsDirectory
        self.runDirectory = runDirectory
        self.stateRoot = stateRoot
        self.environment = environment
        self.forbiddenCommandRoots = forbiddenCommandRoots
    }
}
