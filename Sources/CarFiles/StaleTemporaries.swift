import Glibc

extension FileSystem {
    /// The writer's pid when `name` is one of `writeAtomically`'s temporaries
    /// (`<file>.tmp-<pid>-<n>`), else nil.
    static func temporaryWriter(of name: String) -> pid_t? {
        guard let marker = name.ranges(of: ".tmp-").last else { return nil }
        let fields = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0, UInt64(fields[1]) != nil else { return nil }
        return pid
    }

    /// Removes the temporaries that writers killed mid-write left behind (a `kill -9` between
    /// create and rename), under `directory` and up to `depth` levels below it. Only files
    /// whose writer process is gone are removed, so a daemon sharing the state root that is
    /// writing right now keeps its file. Bounded by `limit` directory entries. Answers the
    /// paths removed.
    @discardableResult
    public static func removeStaleTemporaries(under directory: String, depth: Int = 4, limit: Int = 100_000) -> [String] {
        var removed: [String] = []
        var budget = limit
        sweep(directory, depth: depth, budget: &budget, removed: &removed)
        return removed
    }

    private static func sweep(_ directory: String, depth: Int, budget: inout Int, removed: inout [String]) {
        guard let stream = opendir(directory) else { return }
        defer { closedir(stream) }
        while budget > 0, let entry = readdir(stream) {
            budget -= 1
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                if depth > 0 { sweep(path, depth: depth - 1, budget: &budget, removed: &removed) }
            } else if info.st_mode & S_IFMT == S_IFREG, let writer = temporaryWriter(of: name),
                      kill(writer, 0) != 0, errno == ESRCH, unlink(path) == 0 {
                removed.append(path)
            }
        }
    }
}
