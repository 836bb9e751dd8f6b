/// The bounds every built-in tool works within (the numbers `agents.register_basics`
/// documents in the spec). A tool that would pass one stops there and says so
/// (`truncated: true`), or refuses when a partial answer would be wrong (an edit).
public struct BuiltinToolLimits: Sendable, Hashable {
    /// `read_file`: bytes returned by one call (its `max_bytes` may only lower it).
    public var maxReadBytes = 1 << 20
    /// `write_file`: bytes of `content`; `edit_file`: the size of the file edited.
    public var maxWriteBytes = 4 << 20
    /// `list_dir`: entries returned.
    public var maxListEntries = 1000
    /// `find_files`: paths returned.
    public var maxFindResults = 500
    /// `grep_files`: matching lines returned.
    public var maxGrepMatches = 200
    /// `grep_files`: a matching line is cut to this many bytes.
    public var maxLineBytes = 400
    /// `grep_files`: bytes read from the start of each file.
    public var maxGrepFileBytes = 1 << 20
    /// `grep_files`: bytes read over all files of one call.
    public var maxGrepTotalBytes = 64 << 20
    /// Walks (`find_files`, `grep_files`): directory entries looked at, and directory depth.
    public var maxVisited = 20_000
    public var maxDepth = 12
    /// Every listing's paths and text together.
    public var maxResultBytes = 256 << 10

    public init() {}
}
