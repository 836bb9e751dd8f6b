import Glibc

/// The bounded backward read behind `agents.tail_log`: at most `ceiling` bytes from the end of
/// one stream's log, never the whole file. Blocking: call on the pool.
enum LogTail {
    /// The most bytes read from one stream (8 MiB, as the reference).
    static let ceiling = 8 << 20
    /// The most lines one stream's window returns, even for `lines: 0`: 8 MiB of empty lines would
    /// otherwise be eight million strings. Past it `more` is true.
    static let maxWindowLines = 100_000

    struct Window {
        var lines: [String] = []
        var total = 0
        var more = false
    }

    /// `lines` per stream (0: all of the scanned tail, within `maxWindowLines`), skipping
    /// `offset` lines from the end. A missing file is an empty window.
    static func read(path: String, lines: Int, offset: Int) throws(AgentError) -> Window {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return Window() }
            throw .io("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io("cannot stat \(path): \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        let start = max(0, size - ceiling)
        let wanted = size - start
        var buffer = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, wanted - filled, off_t(start + filled)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            filled += count
        }
        return window(of: buffer[..<filled], truncated: start > 0, lines: lines, offset: offset)
    }

    static func window(of bytes: ArraySlice<UInt8>, truncated: Bool, lines: Int, offset: Int) -> Window {
        var body = bytes
        // A read that started mid-file starts mid-line: that partial line is dropped.
        if truncated {
            if let newline = body.firstIndex(of: 0x0A) { body = body[(newline + 1)...] } else { body = body[body.endIndex...] }
        }
        // The final newline ends the last line; it does not start an empty one.
        if body.last == 0x0A { body = body.dropLast() }
        let total = body.isEmpty ? 0 : body.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let end = max(0, total - max(0, offset))
        let requested = lines <= 0 ? end : min(lines, end)
        let count = min(requested, maxWindowLines)
        let begin = end - count
        // Walk back from the end over the lines after the window, then collect the window.
        var result: [String] = []
        result.reserveCapacity(count)
        var lineIndex = total - 1
        var cursor = body.endIndex
        while lineIndex >= begin && cursor >= body.startIndex {
            var lineStart = cursor
            while lineStart > body.startIndex && body[lineStart - 1] != 0x0A { lineStart -= 1 }
            if lineIndex < end { result.append(String(decoding: body[lineStart..<cursor], as: UTF8.self)) }
            lineIndex -= 1
            if lineStart == body.startIndex { break }
            cursor = lineStart - 1
        }
        result.reverse()
        return Window(lines: result, total: total, more: begin > 0 || truncated)
    }
}
