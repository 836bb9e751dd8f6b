import Glibc

/// Reading directories for `list_dir`, `find_files` and `grep_files`: one directory's
/// entries, and a bounded depth-first walk that never follows symbolic links (no loops, no
/// escape through a link) and skips `.git`. Blocking: runs on the blocking pool.
enum DirectoryWalk {
    struct Entry {
        enum Kind: String { case file, dir, symlink, other }
        let name: String
        let kind: Kind

        func size(in directory: String) -> Int64 {
            var info = stat()
            return lstat(directory + "/" + name, &info) == 0 ? Int64(info.st_size) : 0
        }
    }

    /// Calls `body` with each entry but `.` and `..` until it answers false.
    static func entries(of path: String, operation: String, _ body: (Entry) throws(BuiltinToolError) -> Bool) throws(BuiltinToolError) {
        guard let directory = opendir(path) else { throw BuiltinToolError.system(operation, path) }
        defer { closedir(directory) }
        while let raw = readdir(directory) {
            let name = withUnsafePointer(to: raw.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let kind: Entry.Kind
            switch Int32(raw.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .dir
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = kindByLstat(path + "/" + name)
            default: kind = .other
            }
            if try !body(Entry(name: name, kind: kind)) { return }
        }
    }

    private static func kindByLstat(_ path: String) -> Entry.Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .other }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .dir
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    struct Bounds {
        let maxVisited: Int
        let maxDepth: Int
    }

    /// What a walk did: entries looked at, and whether a bound (or the visitor) stopped it early.
    struct Summary {
        var visited = 0
        var stoppedEarly = false
    }

    /// Depth first from `root` (a directory), calling `visit` with each regular file's path
    /// relative to `root` and its absolute path, until `visit` answers false or a bound is met.
    /// Directories that cannot be read are passed over, as `find` does.
    static func walk(_ root: String, bounds: Bounds, operation: String,
                     visit: (_ relative: String, _ absolute: String) throws(BuiltinToolError) -> Bool) throws(BuiltinToolError) -> Summary {
        var summary = Summary()
        var pending: [(relative: String, depth: Int)] = [("", 0)]
        // The root must be readable: an unreadable root is an error, not an empty answer.
        var first = true
        while let (relative, depth) = pending.popLast() {
            let directory = relative.isEmpty ? root : root + "/" + relative
            var stop = false
            var subdirectories: [String] = []
            do {
                try entries(of: directory, operation: operation) { (entry) throws(BuiltinToolError) -> Bool in
                    summary.visited += 1
                    if summary.visited > bounds.maxVisited {
                        stop = true
                        return false
                    }
                    let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                    switch entry.kind {
                    case .dir:
                        if entry.name != ".git" {
                            if depth + 1 <= bounds.maxDepth { subdirectories.append(path) } else { summary.stoppedEarly = true }
                        }
                    case .file:
                        if try !visit(path, root + "/" + path) {
                            stop = true
                            return false
                        }
                    case .symlink, .other:
                        break
                    }
                    return true
                }
            } catch {
                if first { throw error }
            }
            first = false
            if stop {
                summary.stoppedEarly = true
                break
            }
            // Reversed so the walk visits subdirectories in the order they were read.
            pending += subdirectories.reversed().map { ($0, depth + 1) }
        }
        summary.visited = min(summary.visited, bounds.maxVisited)
        return summary
    }
}
