/// The trigger side of skill retrieval: how a context activates a skill's trigger nodes.
///
/// Activation spreads from the context to three kinds of trigger node and from there to the
/// skills wired to them, with fixed edge weights: persona 0.3, URL pattern 0.3, task
/// keywords 0.4 shared across the skill's keywords. A skill's match score is the activation
/// it collects, so it lies in 0...1 and a skill no trigger reached scores 0.
enum SkillTriggers {
    static let personaWeight = 0.3
    static let urlWeight = 0.3
    static let keywordWeight = 0.4

    static func activation(of skill: Skill, persona: String?, url: String?, taskTerms: Set<String>) -> Double {
        var score = 0.0
        if let wanted = persona?.lowercased(), !wanted.isEmpty, skill.persona?.lowercased() == wanted {
            score += personaWeight
        }
        if let url, !url.isEmpty, let pattern = skill.urlPattern, !pattern.isEmpty, matches(url: url, pattern: pattern) {
            score += urlWeight
        }
        let keywords = Set(skill.taskKeywords.flatMap { Tokenizer.terms($0) })
        if !keywords.isEmpty, !taskTerms.isEmpty {
            score += keywordWeight * Double(keywords.intersection(taskTerms).count) / Double(keywords.count)
        }
        return score
    }

    /// A glob where `*` is any run of characters, matched against the start of the URL: a
    /// pattern names a place, and everything below it is in that place
    /// (`file://*/components/` covers `file:///src/components/Button/`). Case-sensitive,
    /// as URLs are.
    static func matches(url: String, pattern: String) -> Bool {
        let text = Array(url.utf8), glob = Array(pattern.utf8)
        // Classic two-pointer wildcard match with the pattern implicitly ending in `*`.
        var t = 0, p = 0, star = -1, resume = 0
        while t < text.count {
            if p == glob.count { return true }
            if glob[p] == UInt8(ascii: "*") {
                star = p
                resume = t
                p += 1
            } else if glob[p] == text[t] {
                p += 1
                t += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < glob.count && glob[p] == UInt8(ascii: "*") { p += 1 }
        return p == glob.count
    }
}
