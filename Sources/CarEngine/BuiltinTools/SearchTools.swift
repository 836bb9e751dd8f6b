import CarJSON
import Glibc

/// `find_files` and `grep_files`: bounded walks (`DirectoryWalk`) with capped results.
/// Blocking: `BuiltinTools.run` calls them on the blocking pool.
struct SearchTools {
    let limits: BuiltinToolLimits

    private var bounds: DirectoryWalk.Bounds { .init(maxVisited: limits.maxVisited, maxDepth: limits.maxDepth) }

    /// `{pattern, path?}` → `{root, matches, truncated, visited}`. The glob is matched against
    /// the file name, or against the path relative to the root when it holds a '/'.
    func findFiles(_ parameters: BuiltinParameters) throws(BuiltinToolError) -> JSONValue {
        let pattern = try parameters.string("pattern")
        guard !pattern.isEmpty, !pattern.utf8.contains(0) else { throw BuiltinToolError("find_files: 'pattern' must be a non-empty glob without NUL bytes") }
        let root = try BuiltinPath.resolve(try parameters.optionalString("path") ?? ".")
        let onPath = pattern.contains("/")
        var matches: [String] = []
        var bytes = 0
        var truncated = false
        let summary = try DirectoryWalk.walk(root, bounds: bounds, operation: "find_files") { relative, _ in
            let subject = onPath ? relative : Self.name(of: relative)
            guard fnmatch(pattern, subject, onPath ? FNM_PATHNAME : 0) == 0 else { return true }
            guard matches.count < limits.maxFindResults, bytes + relative.utf8.count <= limits.maxResultBytes else {
                truncated = true
                return false
            }
            bytes += relative.utf8.count
            matches.append(relative)
            return true
        }
        return .object([
            "root": .string(root),
            "matches": .array(matches.sorted().map(JSONValue.string)),
            "truncated": .bool(truncated || summary.stoppedEarly),
            "visited": .int(Int64(summary.visited)),
        ])
    }

    /// `{pattern, path?, glob?, ignore_case?}` → `{matches: [{path, line, text}], truncated,
    /// files_scanned}`. The pattern is literal text: no regular expressions, so no pattern can
    /// make the search take exponential time.
    func grepFiles(_ parameters: BuiltinParameters) throws(BuiltinToolError) -> JSONValue {
        let pattern = try parameters.string("pattern")
        guard !pattern.isEmpty else { throw BuiltinToolError("grep_files: 'pattern' must not be empty") }
        let glob = try parameters.optionalString("glob")
        if let glob, glob.utf8.contains(0) { throw BuiltinToolError("grep_files: 'glob' must not contain a NUL byte") }
        let ignoreCase = try parameters.bool("ignore_case")
        let root = try BuiltinPath.resolve(try parameters.optionalString("path") ?? ".")
        let needle = Self.folded(Array(pattern.utf8), ignoreCase)

        var matches: [JSONValue] = []
        var bytes = 0
        var truncated = false
        var scanned = 0
        var scannedBytes = 0
        func scan(_ shown: String, _ absolute: String) throws(BuiltinToolError) -> Bool {
            if let glob, fnmatch(glob, Self.name(of: shown), 0) != 0 { return true }
            guard scannedBytes < limits.maxGrepTotalBytes else {
                truncated = true
                return false
            }
            guard let content = try? readPrefix(absolute) else { return true }
            scanned += 1
            scannedBytes += content.bytes.count
            if content.bytes.contains(0) { return true }  // binary
            if content.cut { truncated = true }
            var lineNumber = 0
            for line in content.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                guard Self.contains(Self.folded(Array(line), ignoreCase), needle) else { continue }
                let text = String(decoding: FileIO.utf8Prefix(line, limit: limits.maxLineBytes), as: UTF8.self)
                guard matches.count < limits.maxGrepMatches, bytes + shown.utf8.count + text.utf8.count <= limits.maxResultBytes else {
                    truncated = true
                    return false
                }
                bytes += shown.utf8.count + text.utf8.count
                matches.append(.object(["path": .string(shown), "line": .int(Int64(lineNumber)), "text": .string(text)]))
            }
            return true
        }

        var info = stat()
        guard stat(root, &info) == 0 else { throw BuiltinToolError.system("grep_files", root) }
        if info.st_mode & S_IFMT == S_IFREG {
            _ = try scan(root, root)
        } else {
            let summary = try DirectoryWalk.walk(root, bounds: bounds, operation: "grep_files", visit: scan)
            if summary.stoppedEarly { truncated = true }
        }
        return .object(["matches": .array(matches), "truncated": .bool(truncated), "files_scanned": .int(Int64(scanned))])
    }

    /// The first `maxGrepFileBytes` of a regular file, and whether there was more.
    private func readPrefix(_ path: String) throws(BuiltinToolError) -> (bytes: [UInt8], cut: Bool) {
        let (fd, _) = try FileIO.openRegular(path, operation: "grep_files")
        defer { close(fd) }
        var bytes = try FileIO.read(fd, offset: 0, limit: limits.maxGrepFileBytes + 1, path: path, operation: "grep_files")
        let cut = bytes.count > limits.maxGrepFileBytes
        if cut { bytes.removeLast() }
        return (bytes, cut)
    }

    static func name(of relative: String) -> String {
        relative.split(separator: "/").last.map(String.init) ?? relative
    }

    /// ASCII case folding: enough for identifiers and English text, and never changes lengths.
    static func folded(_ bytes: [UInt8], _ fold: Bool) -> [UInt8] {
        guard fold else { return bytes }
        return bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        if needle.isEmpty { return true }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
