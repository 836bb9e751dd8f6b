import Glibc

extension FileSystem {
    /// Whether `name` has the shape of one of `writeAtomically`'s temporaries. Places that let
    /// clients name files (the memory sandbox) refuse such names, so a sweep never takes a
    /// client's file for debris.
    public static func isTemporaryName(_ name: String) -> Bool {
        temporaryWriter(of: name) != nil
    }

    /// The writer's pid when `name` is one of `writeAtomically`'s temporaries
    /// (`<file>.tmp-<pid>-<n>`), else nil.
    static func temporaryWriter(of name: String) -> pid_t? {
        guard let marker = name.ranges(of: ".tmp-").last else { return nil }
        let fields = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0, UInt64(fields[1]) != nil else { return nil }
        return pid
    }

    /// Removes the temporaries that writers killed mid-write left behind (a `kill -9` between
    /// create and rename), in `directory` and up to `depth` levels below it. Call it before this
    /// process writes anything there: a temporary is debris when its writer's pid is gone or
    /// is this process's own (a container daemon is often pid 1 on every start), and it has
    /// not been written to for `quietSeconds` — a writer in another pid namespace sharing the
    /// directory looks dead by pid but keeps its file fresh while it writes. Bounded by
    /// `limit` directory entries. Answers the paths removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String, depth: Int = 0, quietSeconds: Int = 5,
                                              limit: Int = 10_000) -> [String] {
        var removed: [String] = []
        var budget = limit
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        sweep(directory, depth: depth, olderThan: Int(now.tv_sec) - quietSeconds, budget: &budget, removed: &removed)
        return removed
    }

    private static func sweep(_ directory: String, depth: Int, olderThan cutoff: Int, budget: inout Int, removed: inout [String]) {
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
                if depth > 0 { sweep(path, depth: depth - 1, olderThan: cutoff, budget: &budget, removed: &removed) }
            } else if info.st_mode & S_IFMT == S_IFREG, let writer = temporaryWriter(of: name), Int(info.st_mtim.tv_sec) < cutoff,
                      writer == getpid() || (kill(writer, 0) != 0 && errno == ESRCH), unlink(path) == 0 {
                removed.append(path)
            }
        }
    }
}
