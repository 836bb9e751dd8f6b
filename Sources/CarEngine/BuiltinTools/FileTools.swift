import CarJSON
import Glibc

/// `read_file`, `write_file`, `edit_file` and `list_dir`. Each blocks; `BuiltinTools.run`
/// calls them on the blocking pool.
struct FileTools {
    let limits: BuiltinToolLimits

    /// `{path, offset?, max_bytes?}` → `{path, content, bytes, size, truncated}`.
    func readFile(_ parameters: BuiltinParameters) throws(BuiltinToolError) -> JSONValue {
        let path = try BuiltinPath.resolve(try parameters.string("path"))
        let offset = try parameters.count("offset") ?? 0
        let limit = min(try parameters.count("max_bytes") ?? limits.maxReadBytes, limits.maxReadBytes)
        let (fd, size) = try FileIO.openRegular(path, operation: "read_file")
        defer { close(fd) }
        // One byte more than allowed tells a file that ends exactly at the limit from a longer one.
        let bytes = try FileIO.read(fd, offset: offset, limit: limit + 1, path: path, operation: "read_file")
        let kept = FileIO.utf8Prefix(bytes[...], limit: limit)
        return .object([
            "path": .string(path),
            "content": .string(String(decoding: kept, as: UTF8.self)),
            "bytes": .int(Int64(kept.count)),
            "size": .int(Int64(max(size, offset + bytes.count))),
            "truncated": .bool(kept.count < bytes.count),
        ])
    }

    /// `{path, content, create_dirs?}` → `{path, bytes_written, created}`.
    func writeFile(_ parameters: BuiltinParameters) throws(BuiltinToolError) -> JSONValue {
        let path = try BuiltinPath.resolve(try parameters.string("path"))
        let content = Array(try parameters.string("content").utf8)
        guard content.count <= limits.maxWriteBytes else {
            throw BuiltinToolError("write_file: content is \(content.count) bytes; at most \(limits.maxWriteBytes) may be written")
        }
        if try parameters.bool("create_dirs") { try FileIO.createParents(of: path, operation: "write_file") }
        var existing = stat()
        let created = lstat(path, &existing) != 0
        try FileIO.writeAtomically(path, content, operation: "write_file")
        return .object(["path": .string(path), "bytes_written": .int(Int64(content.count)), "created": .bool(created)])
    }

    /// `{path, old, new, replace_all?}` → `{path, replacements}`. `old` must occur exactly once
    /// unless `replace_all`, so an edit never lands somewhere the caller did not mean.
    func editFile(_ parameters: BuiltinParameters) throws(BuiltinToolError) -> JSONValue {
        let path = try BuiltinPath.resolve(try parameters.string("path"))
        let old = Array(try parameters.string("old").utf8)
        let new = Array(try parameters.string("new").utf8)
        let all = try parameters.bool("replace_all")
        guard !old.isEmpty else { throw BuiltinToolError("edit_file: 'old' must not be empty") }
        let bytes = try FileIO.readWhole(path, limit: limits.maxWriteBytes, operation: "edit_file")
        let found = Self.occurrences(of: old, in: bytes)
        guard !found.isEmpty else { throw BuiltinToolError("edit_file \(path): 'old' does not occur in the file") }
        if found.count > 1 && !all {
            throw BuiltinToolError("edit_file \(path): 'old' occurs \(found.count) times; make it unique or pass replace_all: true")
        }
        var edited: [UInt8] = []
        edited.reserveCapacity(bytes.count + found.count * max(0, new.count - old.count))
        var cursor = 0
        for start in found {
            edited += bytes[cursor..<start]
            edited += new
            cursor = start + old.count
        }
        edited += bytes[cursor...]
        guard edited.count <= limits.maxWriteBytes else {
            throw BuiltinToolError("edit_file \(path): the edited file would have \(edited.count) bytes; at most \(limits.maxWriteBytes) are allowed")
        }
        try FileIO.writeAtomically(path, edited, operation: "edit_file")
        return .object(["path": .string(path), "replacements": .int(Int64(found.count))])
    }

    /// Non-overlapping starts of `needle`, left to right.
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        var found: [Int] = []
        var index = 0
        let first = needle[0]
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                found.append(index)
                index += needle.count
            } else {
                index += 1
            }
        }
        return found
    }

    /// `{path?}` (default the current directory) → `{path, entries: [{name, type, size}], truncated}`.
    func listDir(_ parameters: BuiltinParameters) throws(BuiltinToolError) -> JSONValue {
        let path = try BuiltinPath.resolve(try parameters.optionalString("path") ?? ".")
        var entries: [(name: String, type: String, size: Int64)] = []
        var bytes = 0
        var truncated = false
        try DirectoryWalk.entries(of: path, operation: "list_dir") { entry in
            guard entries.count < limits.maxListEntries, bytes + entry.name.utf8.count <= limits.maxResultBytes else {
                truncated = true
                return false
            }
            bytes += entry.name.utf8.count
            entries.append((entry.name, entry.kind.rawValue, entry.size(in: path)))
            return true
        }
        entries.sort { $0.name < $1.name }
        return .object([
            "path": .string(path),
            "entries": .array(entries.map { .object(["name": .string($0.name), "type": .string($0.type), "size": .int($0.size)]) }),
            "truncated": .bool(truncated),
        ])
    }
}
