/// Lays out a model's memory context in fixed sections and fits it to a character budget.
///
/// Sections appear in the order Identity → Constraints → Facts → Conversation →
/// Environment → Known Unknowns, and that order is also their priority: when the budget is
/// short, lines go from the last section first, so who the agent is and the rules it must
/// follow are the last things a small window loses.
public enum ContextBuilder {
    /// Assumed window when the caller does not name one.
    public static let defaultWindowTokens = 8192
    /// Rough English average; the budget is a guard rail, not a tokenizer.
    public static let charactersPerToken = 4
    /// Part of the window left for the prompt around the context and for the reply.
    public static let headroomFraction = 0.25
    /// Below this the sections cannot say anything useful, so small windows get this much.
    public static let minimumBudget = 256

    /// Fact kinds that get a section of their own instead of competing in Facts.
    public static let identityKind = "identity"
    public static let environmentKind = "environment"
    public static let unknownKind = "unknown"
    static let sectionedKinds: Set<String> = ["constraint", identityKind, environmentKind, unknownKind]

    public static func characterBudget(modelContextWindow: Int?) -> Int {
        let tokens = max(modelContextWindow ?? defaultWindowTokens, 0)
        let (chars, overflow) = tokens.multipliedReportingOverflow(by: charactersPerToken)
        let usable = overflow ? Double(Int.max) : Double(chars) * (1 - headroomFraction)
        return max(minimumBudget, usable >= Double(Int.max) ? Int.max / 2 : Int(usable))
    }

    struct Section {
        var title: String
        var lines: [String]
        /// Conversation keeps its newest lines, which come last; other sections are ranked
        /// best first, so their tail goes first.
        var dropsFromFront = false
    }

    static func assemble(_ sections: [Section], budget: Int) -> String {
        // One long fact must not push everything else out.
        let lineCap = max(80, budget / 8)
        var sections = sections.map { section in
            var section = section
            section.lines = section.lines.map { clip($0, to: lineCap) }
            return section
        }.filter { !$0.lines.isEmpty }

        func headerCost(_ s: Section, first: Bool) -> Int { (first ? 0 : 1) + 3 + s.title.count + 1 }
        var total = 0
        for (i, s) in sections.enumerated() {
            total += headerCost(s, first: i == 0) + s.lines.reduce(0) { $0 + $1.count + 1 }
        }
        while total > budget, let last = sections.indices.last {
            if sections[last].lines.count > 1 || last > 0 {
                let line = sections[last].dropsFromFront
                    ? sections[last].lines.removeFirst() : sections[last].lines.removeLast()
                total -= line.count + 1
                if sections[last].lines.isEmpty {
                    total -= headerCost(sections[last], first: last == 0)
                    sections.removeLast()
                }
            } else {
                // A single line of the top section left: shorten it rather than say nothing.
                let room = budget - headerCost(sections[0], first: true) - 1
                sections[0].lines[0] = clip(sections[0].lines[0], to: max(room, 0))
                break
            }
        }
        var out = ""
        for (i, s) in sections.enumerated() {
            if i > 0 { out += "\n" }
            out += "## \(s.title)\n"
            for line in s.lines { out += line + "\n" }
        }
        return out.count <= budget ? out : String(out.prefix(budget))
    }

    static func clip(_ line: String, to limit: Int) -> String {
        guard line.count > limit else { return line }
        guard limit > 1 else { return String(line.prefix(limit)) }
        return String(line.prefix(limit - 1)) + "…"
    }

    static func line(_ fact: Fact) -> String {
        let text = fact.subject.isEmpty ? fact.body : "\(fact.subject): \(fact.body)"
        return "- " + text.replacingNewlines()
    }
}

extension String {
    /// Keeps one item on one line so truncation by line stays truncation by item.
    func replacingNewlines() -> String {
        guard contains(where: \.isNewline) else { return self }
        return String(map { $0.isNewline ? " " : $0 })
    }
}
