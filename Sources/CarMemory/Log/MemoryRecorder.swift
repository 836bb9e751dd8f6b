import Synchronization

/// The writes of a logged graph that are not yet on disk, in the order they changed it.
///
/// The engine records each change while it still holds the lock the change was made under,
/// so the order here is the order the graph saw, however many sessions write at once; a
/// flush takes everything queued (one `write` and one `fsync` for all of them: group commit)
/// and numbers tell a writer whether its change is durable yet.
///
/// While a compaction runs, the records a flush writes after the compaction's snapshot are
/// also kept here (as the bytes written), because the rewrite does not hold them and must get
/// them before it replaces the file.
final class MemoryRecorder: Sendable {
    struct Queued {
        var seq: UInt64
        var record: MemoryLogRecord
    }

    private struct State {
        var pending: [Queued] = []
        var lastSeq: UInt64 = 0
        var durableSeq: UInt64 = 0
        /// A compaction is under way (from its decision to its end).
        var compacting = false
        /// The last seq the compaction's snapshot holds; nil until it is taken.
        var snapshotSeq: UInt64?
        var retained: [UInt8] = []
        var retainedEntries = 0
    }

    private let state = Mutex(State())

    /// Called with the graph's lock held (see above).
    func record(_ record: MemoryLogRecord) {
        state.withLock { state in
            state.lastSeq += 1
            state.pending.append(Queued(seq: state.lastSeq, record: record))
        }
    }

    var lastSeq: UInt64 { state.withLock { $0.lastSeq } }

    func isDurable(_ seq: UInt64) -> Bool { state.withLock { $0.durableSeq >= seq } }

    /// Everything queued, oldest first; the caller writes it, then calls `wrote` or `putBack`.
    func drain() -> [Queued] {
        state.withLock { state in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
    }

    /// Records a drain did not get on disk go back in front of those queued since.
    func putBack(_ records: [Queued]) {
        guard !records.isEmpty else { return }
        state.withLock { $0.pending.insert(contentsOf: records, at: 0) }
    }

    /// A flush landed `lines[i]` (the encoding of `records[i]`): they are durable, and those
    /// after a running compaction's snapshot are kept for its rewrite.
    func wrote(_ records: [Queued], lines: [[UInt8]]) {
        guard let last = records.last else { return }
        state.withLock { state in
            state.durableSeq = max(state.durableSeq, last.seq)
            guard state.compacting, let snapshot = state.snapshotSeq else { return }
            for (queued, line) in zip(records, lines) where queued.seq > snapshot {
                state.retained.append(contentsOf: line)
                state.retainedEntries += queued.record.entries
            }
        }
    }

    // MARK: Compaction

    /// Claims the compaction; false when one is already running.
    func beginCompaction() -> Bool {
        state.withLock { state in
            guard !state.compacting else { return false }
            state.compacting = true
            state.snapshotSeq = nil
            return true
        }
    }

    /// The seq the snapshot being taken holds: called under the graph's locks, so no change is
    /// recorded between the snapshot and this.
    func markSnapshot() -> UInt64 {
        state.withLock { state in
            state.snapshotSeq = state.lastSeq
            return state.lastSeq
        }
    }

    /// What the rewrite still needs: the lines flushed since the snapshot, and what is queued.
    /// Stops keeping lines (the adoption runs in turn with flushes, so none lands meanwhile);
    /// on failure the queued records are `putBack`. `endCompaction` follows either way.
    func takeForAdoption() -> (retained: [UInt8], retainedEntries: Int, pending: [Queued]) {
        state.withLock { state in
            defer {
                state.pending.removeAll(keepingCapacity: true)
                state.retained = []
                state.retainedEntries = 0
                state.snapshotSeq = nil
            }
            return (state.retained, state.retainedEntries, state.pending)
        }
    }

    /// The compaction is over (adopted, failed or abandoned): the old file, or the new one,
    /// holds everything written.
    func endCompaction() {
        state.withLock { state in
            state.retained = []
            state.retainedEntries = 0
            state.snapshotSeq = nil
            state.compacting = false
        }
    }

    var isCompacting: Bool { state.withLock { $0.compacting } }
}
