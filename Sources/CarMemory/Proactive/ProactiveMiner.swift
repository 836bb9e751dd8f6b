/// Phase 1 of proactive memory: the high-signal events of a run turned into procedural
/// entries with stable ids, so mining the same events again finds them already there.
///
/// The miner does not know the event log; the caller hands it what it needs of each event.
public enum ProactiveMiner {
    /// An event as the miner sees it.
    public struct Event: Sendable, Hashable {
        public enum Kind: String, Sendable {
            case failed = "action_failed"
            case rejected = "action_rejected"
            case timedOut = "tool_callback_timed_out"
            /// A tool call sent again (attempt > 1).
            case retried = "retry"
            /// An action that succeeded: no entry, but outcome evidence for credit.
            case succeeded = "action_succeeded"
            /// A `memory.intervene` injection: `reason` holds the selected fact id.
            case intervention = "proactive_memory_intervention"
        }
        public var seq: UInt64
        public var kind: Kind
        public var tool: String?
        public var actionID: String?
        public var reason: String?
        public var attempt: Int?

        public init(seq: UInt64, kind: Kind, tool: String? = nil, actionID: String? = nil, reason: String? = nil, attempt: Int? = nil) {
            self.seq = seq
            self.kind = kind
            self.tool = tool
            self.actionID = actionID
            self.reason = reason
            self.attempt = attempt
        }
    }

    public static let maxBodyCharacters = 512
    public static let maxReasonKeyCharacters = 256

    /// The entries `events` (oldest first) yield, one per distinct id, in first-seen order,
    /// with the trigger the window adds up to.
    public static func mine(_ events: [Event], tenantID: String?) -> (entries: [Fact], trigger: ProactiveTrigger) {
        var entries: [Fact] = []
        var seen = Set<String>()
        var failures = 0
        var toolError = false
        var highRisk = false
        for event in events {
            let subject: String
            let body: String
            switch event.kind {
            case .failed:
                failures += 1
                toolError = true
                subject = "failed_action:\(event.tool ?? "action")"
                body = "calling \(event.tool ?? "an action") failed: \(event.reason ?? "no reason given"); check this before trying it again"
            case .timedOut:
                failures += 1
                toolError = true
                subject = "tool_timeout:\(event.tool ?? "tool")"
                body = "\(event.tool ?? "a tool") timed out: \(event.reason ?? "no answer in time"); give it a timeout_ms or a smaller input"
            case .retried:
                failures += 1
                subject = "retried_action:\(event.tool ?? "tool")"
                body = "\(event.tool ?? "a tool") needed a retry (attempt \(event.attempt ?? 2)); its first attempt is not reliable"
            case .rejected:
                highRisk = true
                subject = "rejected_action:\(event.tool ?? "action")"
                body = "an action calling \(event.tool ?? "nothing") was rejected before it ran: \(event.reason ?? "no reason given")"
            case .succeeded, .intervention:
                continue
            }
            let id = stableID(event)
            guard seen.insert(id).inserted else { continue }
            var tags = ["proactive", "event:\(event.kind.rawValue)"]
            if let tool = event.tool { tags.append("tool:\(tool)") }
            entries.append(Fact(id: id, subject: subject, body: ContextBuilder.clip(body.replacingNewlines(), to: maxBodyCharacters),
                                kind: "procedural", confidence: 0.9, tags: tags,
                                source: tenantID.map { "tenant:\($0)" } ?? "proactive:event-log"))
        }
        return (entries, ProactiveTrigger(repeatedFailures: failures, toolError: toolError, highRiskAction: highRisk))
    }

    /// `proactive-<kind>-<16 hex>`: FNV-1a (64-bit) over the kind, the tool and the reason
    /// with digits folded (so "after 100 ms" and "after 250 ms" are one failure). The event's
    /// sequence number and proposal are deliberately left out: the same failure in a later
    /// run is the same memory.
    public static func stableID(_ event: Event) -> String {
        let reason = event.kind == .retried ? "" : normalizedReason(event.reason ?? "")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(event.kind.rawValue)\u{1F}\(event.tool ?? "")\u{1F}\(reason)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        let label = event.kind == .timedOut ? "timeout" : event.kind == .retried ? "retry" : event.kind == .failed ? "failed" : "rejected"
        return "proactive-\(label)-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func normalizedReason(_ text: String) -> String {
        var out = ""
        var lastWasDigit = false
        for character in text.lowercased() {
            if out.count >= maxReasonKeyCharacters { break }
            if character.isNumber {
                if !lastWasDigit { out.append("#") }
                lastWasDigit = true
            } else {
                out.append(character)
                lastWasDigit = false
            }
        }
        return out
    }

    /// Outcome credit for injections: each intervention in `events` (oldest first) after
    /// `creditedThrough` is credited with the first outcome that follows it before the next
    /// intervention (a failed or timed-out action: failure; a succeeded one: success). An
    /// intervention with no outcome yet is left for a later pass. Answers the credits and the
    /// sequence number the next pass starts after.
    public static func credits(_ events: [Event], after creditedThrough: UInt64)
        -> (credits: [(factID: String, success: Bool)], through: UInt64) {
        var credits: [(String, Bool)] = []
        var through = creditedThrough
        var open: (seq: UInt64, factID: String)?
        for event in events where event.seq > creditedThrough {
            switch event.kind {
            case .intervention:
                // An earlier injection without an outcome before this one gets none.
                if let pending = open { through = max(through, pending.seq) }
                open = event.reason.map { (event.seq, $0) }
                if open == nil { through = max(through, event.seq) }
            case .failed, .timedOut, .succeeded:
                if let pending = open {
                    credits.append((pending.factID, event.kind == .succeeded))
                    through = max(through, event.seq)
                    open = nil
                }
            case .rejected, .retried:
                continue
            }
        }
        return (credits, through)
    }
}

extension MemoryEngine {
    /// Adds the facts whose id the graph does not hold yet, as one change each (a logged graph
    /// writes one line per new entry); answers how many were added and how many were already
    /// there. Full graphs refuse the rest.
    public func insertMissing(_ entries: [Fact]) throws(Full) -> (saved: Int, skipped: Int) {
        let limit = limits.maxFacts
        let recorder = self.recorder
        let outcome: (saved: Int, skipped: Int, full: Bool) = store.withLock { store in
            var saved = 0, skipped = 0
            for fact in entries {
                if store.fact(withID: fact.id) != nil { skipped += 1; continue }
                guard store.liveCount < limit else { return (saved, skipped, true) }
                store.insert(fact)
                recorder?.record(.put(fact, nextID: nil))
                saved += 1
            }
            return (saved, skipped, false)
        }
        if outcome.full { throw Full(limit: limit) }
        return (outcome.saved, outcome.skipped)
    }
}
