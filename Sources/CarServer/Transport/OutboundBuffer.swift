/// Bytes waiting to be written to one socket. Writes drain from the front without moving
/// the rest; the storage is compacted only when the written prefix dominates, and released
/// when a large burst has drained so idle connections stay small.
struct OutboundBuffer {
    private static let retainedCapacity = 64 << 10

    private(set) var bytes: [UInt8] = []
    private var start = 0

    var count: Int { bytes.count - start }
    var isEmpty: Bool { start == bytes.count }

    mutating func withAppendTarget<T>(_ body: (inout [UInt8]) -> T) -> T {
        body(&bytes)
    }

    mutating func append(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// Hands the unwritten bytes to `write`, which returns how many it took (or a negative
    /// value on failure, passed through).
    mutating func drain(_ write: (UnsafeRawBufferPointer) -> Int) -> Int {
        let written = bytes.withUnsafeBytes { all in
            write(UnsafeRawBufferPointer(rebasing: all[start...]))
        }
        guard written > 0 else { return written }
        start += written
        if start == bytes.count {
            if bytes.capacity > Self.retainedCapacity { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
            start = 0
        } else if start > (1 << 20) && start > bytes.count / 2 {
            bytes.removeFirst(start)
            start = 0
        }
        return written
    }

    mutating func release() {
        bytes = []
        start = 0
    }
}
