import CarJSON

/// The portable form of a validated skill (`skill.export` / `skill.import`): a markdown
/// document whose TOML front matter is the machine source of truth, followed by a rendering
/// for people. For example:
///
///     +++
///     format = "car-skill/1"
///     name = "scrape_and_summarize"
///     version = 2
///     domain = "web"
///     description = "Fetch a page, clean the text, summarize."
///     task_keywords = ["summarize", "article"]
///     code = "http_get(url) -> clean_html -> summarize"
///     exported_success_count = 5
///     exported_fail_count = 0
///     content_sha256 = "<64 hex digits>"
///     +++
///
///     # scrape_and_summarize (version 2)
///     ...
///
/// Front matter keys: `format` (required, `car-skill/1`), `name` and `code` (required
/// strings), `version` (integer >= 1, default 1), `domain`, `description`, `when_to_apply`,
/// `source`, `persona`, `url_pattern` (strings), `task_keywords` (array of strings),
/// `scope_json` (a JSON object as a string), `exported_success_count` /
/// `exported_fail_count` (the exporter's record, informative only: an import starts from
/// zero), and `content_sha256`, which must be the last line of the front matter. The digest
/// is SHA-256 over the whole document with that one line removed, so a change to any other
/// byte — front matter or body — no longer verifies. It detects changes, it does not say
/// who made the document. Values use the TOML subset written here: basic strings ("..."
/// with \" \\ \b \t \n \f \r \uXXXX \UXXXXXXXX escapes), integers, arrays of strings;
/// `#` comments and blank lines are allowed, unknown keys are ignored.
public enum SkillDocument {
    public static let format = "car-skill/1"
    /// The largest document `skill.import` reads.
    public static let maxBytes = 16 << 20
    static let digestKey = "content_sha256"

    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = "markdown: " + description }
    }

    // MARK: Export

    /// The document for `skill`, digest included.
    public static func render(_ skill: Skill) -> String {
        var front: [String] = [
            "format = \(quoted(format))",
            "name = \(quoted(skill.name))",
            "version = \(skill.version)",
            "domain = \(quoted(skill.platform))",
            "description = \(quoted(skill.description))",
        ]
        if let text = skill.whenToApply { front.append("when_to_apply = \(quoted(text))") }
        if let text = skill.source { front.append("source = \(quoted(text))") }
        if let text = skill.persona { front.append("persona = \(quoted(text))") }
        if let text = skill.urlPattern { front.append("url_pattern = \(quoted(text))") }
        front.append("task_keywords = [\(skill.taskKeywords.map(quoted).joined(separator: ", "))]")
        if let scope = skill.scope { front.append("scope_json = \(quoted(JSONWriter.string(scope)))") }
        front.append("code = \(quoted(skill.code))")
        front.append("exported_success_count = \(skill.stats.successCount)")
        front.append("exported_fail_count = \(skill.stats.failCount)")
        let head = "+++\n" + front.map { $0 + "\n" }.joined()
        let tail = "+++\n\n" + body(skill)
        let digest = SHA256.hex(Array(head.utf8) + Array(tail.utf8))
        return head + "\(digestKey) = \"\(digest)\"\n" + tail
    }

    /// What people read; the front matter is what is imported.
    static func body(_ skill: Skill) -> String {
        var text = "# \(skill.name) (version \(skill.version))\n\n"
        if !skill.description.isEmpty { text += skill.description + "\n\n" }
        if !skill.platform.isEmpty { text += "Domain: \(skill.platform)\n\n" }
        if let when = skill.whenToApply, !when.isEmpty { text += "When to apply: \(when)\n\n" }
        if !skill.taskKeywords.isEmpty { text += "Task keywords: \(skill.taskKeywords.joined(separator: ", "))\n\n" }
        // A fence longer than any run of backticks in the code.
        var longest = 0, run = 0
        for byte in skill.code.utf8 {
            run = byte == UInt8(ascii: "`") ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        text += "## Code\n\n\(fence)\n\(skill.code)\n\(fence)\n"
        return text
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: Import

    /// The skill a document describes, its digest verified first (stats zeroed, status
    /// active). Refused, naming what is wrong, when the document is malformed or changed.
    public static func parse(_ markdown: String) throws(Invalid) -> Skill {
        let bytes = Array(markdown.utf8)
        guard bytes.count <= maxBytes else { throw Invalid("the document holds \(bytes.count) bytes; at most \(maxBytes)") }
        let opening = Array("+++\n".utf8)
        guard bytes.starts(with: opening) else { throw Invalid("no TOML front matter: the document must start with a '+++' line") }
        // The lines of the front matter, up to the closing '+++' line.
        var lines: [Range<Int>] = []
        var start = opening.count
        var closing: Int?
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else { break }
            if bytes[start..<newline].elementsEqual("+++".utf8) {
                closing = start
                break
            }
            lines.append(start..<newline)
            start = newline + 1
        }
        guard closing != nil else { throw Invalid("the front matter is not closed by a '+++' line") }
        guard let last = lines.last, bytes[last].starts(with: Array((digestKey + " = ").utf8)) else {
            throw Invalid("the front matter's last line must be \(digestKey) = \"<64 hex digits>\"")
        }
        let equals = bytes[last].firstIndex(of: UInt8(ascii: "="))!
        let stated = try value(of: (equals + 1)..<last.upperBound, in: bytes, line: lines.count)
        guard case .string(let digest) = stated, digest.utf8.count == 64,
              digest.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw Invalid("\(digestKey) must be 64 lowercase hex digits")
        }
        var hasher = SHA256()
        hasher.update(bytes[..<last.lowerBound])
        hasher.update(bytes[(last.upperBound + 1)...])
        let actual = hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()
        guard actual == digest else {
            throw Invalid("\(digestKey) does not match the document: it was changed after export (expected \(digest), got \(actual))")
        }
        var fields: [String: TOMLValue] = [:]
        for (number, range) in lines.enumerated() {
            let line = bytes[range]
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 }
            if trimmed.isEmpty || trimmed.first == UInt8(ascii: "#") { continue }
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
                throw Invalid("front matter line \(number + 1) is not 'key = value'")
            }
            let key = String(decoding: bytes[range.lowerBound..<equals], as: UTF8.self).trimmingSpaces
            guard !key.isEmpty, key.utf8.allSatisfy({ isBareKeyByte($0) }) else {
                throw Invalid("front matter line \(number + 1): '\(key)' is not a bare key")
            }
            guard fields[key] == nil else { throw Invalid("front matter key \(key) is given twice") }
            fields[key] = try value(of: (equals + 1)..<range.upperBound, in: bytes, line: number + 1)
        }
        func string(_ key: String) throws(Invalid) -> String? {
            switch fields[key] {
            case nil: return nil
            case .string(let text)?: return text
            default: throw Invalid("front matter \(key) must be a string")
            }
        }
        guard let stamp = try string("format") else { throw Invalid("front matter has no format") }
        guard stamp == format else { throw Invalid("front matter format is '\(stamp)'; this daemon reads '\(format)'") }
        guard let name = try string("name"), !name.isEmpty else { throw Invalid("front matter name must be a non-empty string") }
        guard !SkillLifecycle.isCandidateKey(name) else {
            throw Invalid("front matter name '\(name)' is a candidate key; only active skills are exported")
        }
        guard let code = try string("code") else { throw Invalid("front matter code must be a string") }
        var version = 1
        switch fields["version"] {
        case nil: break
        case .integer(let number)? where number >= 1 && number <= Int64(Int32.max): version = Int(number)
        default: throw Invalid("front matter version must be an integer >= 1")
        }
        var keywords: [String] = []
        switch fields["task_keywords"] {
        case nil: break
        case .strings(let items)?: keywords = items
        default: throw Invalid("front matter task_keywords must be an array of strings")
        }
        var skill = Skill(name: name, code: code, platform: try string("domain") ?? "", persona: try string("persona"),
                          urlPattern: try string("url_pattern"), description: try string("description") ?? "",
                          taskKeywords: keywords, nodeID: 0)
        skill.version = version
        skill.whenToApply = try string("when_to_apply")
        skill.source = try string("source")
        if let scopeText = try string("scope_json") {
            guard let scope = try? JSONParser.parse(Array(scopeText.utf8)), case .object = scope else {
                throw Invalid("front matter scope_json must hold a JSON object")
            }
            skill.scope = scope
        }
        for key in ["exported_success_count", "exported_fail_count"] {
            if let field = fields[key], case .integer = field {} else if fields[key] != nil {
                throw Invalid("front matter \(key) must be an integer")
            }
        }
        return skill
    }

    enum TOMLValue: Hashable {
        case string(String)
        case integer(Int64)
        case strings([String])
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// The value after `key =`: a basic string, an integer or an array of basic strings,
    /// optionally followed by a comment.
    private static func value(of range: Range<Int>, in bytes: [UInt8], line: Int) throws(Invalid) -> TOMLValue {
        var position = range.lowerBound
        func skipSpaces() {
            while position < range.upperBound, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
        }
        func basicString() throws(Invalid) -> String {
            guard position < range.upperBound, bytes[position] == UInt8(ascii: "\"") else {
                throw Invalid("front matter line \(line): expected a \"basic string\"")
            }
            position += 1
            var out: [UInt8] = []
            while true {
                guard position < range.upperBound else { throw Invalid("front matter line \(line): unterminated string") }
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 && byte != 0x09 || byte == 0x7F {
                    throw Invalid("front matter line \(line): a control character must be escaped")
                }
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    continue
                }
                guard position < range.upperBound else { throw Invalid("front matter line \(line): unterminated escape") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let width = escape == UInt8(ascii: "u") ? 4 : 8
                    guard position + width <= range.upperBound,
                          let code = UInt32(String(decoding: bytes[position..<position + width], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code) else {
                        throw Invalid("front matter line \(line): bad \\\(Character(Unicode.Scalar(escape))) escape")
                    }
                    position += width
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw Invalid("front matter line \(line): unknown escape \\\(Character(Unicode.Scalar(escape)))")
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else {
                throw Invalid("front matter line \(line): the string is not UTF-8")
            }
            return text
        }
        skipSpaces()
        guard position < range.upperBound else { throw Invalid("front matter line \(line): no value") }
        let result: TOMLValue
        switch bytes[position] {
        case UInt8(ascii: "\""):
            result = .string(try basicString())
        case UInt8(ascii: "["):
            position += 1
            var items: [String] = []
            skipSpaces()
            if position < range.upperBound, bytes[position] == UInt8(ascii: "]") {
                position += 1
            } else {
                while true {
                    skipSpaces()
                    items.append(try basicString())
                    skipSpaces()
                    guard position < range.upperBound else { throw Invalid("front matter line \(line): unterminated array") }
                    if bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        skipSpaces()
                        if position < range.upperBound, bytes[position] == UInt8(ascii: "]") {
                            position += 1
                            break
                        }
                        continue
                    }
                    guard bytes[position] == UInt8(ascii: "]") else {
                        throw Invalid("front matter line \(line): an array holds strings separated by commas")
                    }
                    position += 1
                    break
                }
            }
            result = .strings(items)
        default:
            var end = position
            if end < range.upperBound, bytes[end] == UInt8(ascii: "-") || bytes[end] == UInt8(ascii: "+") { end += 1 }
            while end < range.upperBound, (0x30...0x39).contains(bytes[end]) { end += 1 }
            guard end > position, let number = Int64(String(decoding: bytes[position..<end], as: UTF8.self)) else {
                throw Invalid("front matter line \(line): expected a string, an integer or an array of strings")
            }
            position = end
            result = .integer(number)
        }
        skipSpaces()
        guard position == range.upperBound || bytes[position] == UInt8(ascii: "#") else {
            throw Invalid("front matter line \(line): unexpected text after the value")
        }
        return result
    }
}

extension SkillStore {
    /// The portable document of the skill `key`, or nil when it is absent or not exportable:
    /// only active skills that are healthy (not degraded, not superseded) export.
    public func exportDocument(key: String) -> String? {
        guard let skill = skill(named: key), skill.status == .active, !skill.stats.degraded, skill.supersededBy == nil else {
            return nil
        }
        return SkillDocument.render(skill)
    }
}

private extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return String(view)
    }
}
