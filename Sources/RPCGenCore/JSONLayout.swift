/// JSON laid out the way spec/methods.json is written by hand: a value stays on one line when
/// it fits, otherwise its members go one per line. Members keep their order, so a schema
/// reads `type` first as its author wrote it. For JSON embedded in generated Swift.
enum JSONLayout {
    static func lines(_ value: SpecJSON, width: Int = 100) -> [String] {
        lines(value, lead: "", indent: "", trail: "", width: width)
    }

    private static func lines(_ value: SpecJSON, lead: String, indent: String, trail: String, width: Int) -> [String] {
        let single = indent + lead + inline(value) + trail
        if single.count <= width { return [single] }
        let inner = indent + "  "
        switch value {
        case .object(let members) where !members.isEmpty:
            var out = [indent + lead + "{"]
            for (index, member) in members.enumerated() {
                out += lines(member.value, lead: SpecJSON.quote(member.key) + ": ", indent: inner,
                             trail: index < members.count - 1 ? "," : "", width: width)
            }
            return out + [indent + "}" + trail]
        case .array(let items) where !items.isEmpty:
            var out = [indent + lead + "["]
            for (index, item) in items.enumerated() {
                out += lines(item, lead: "", indent: inner, trail: index < items.count - 1 ? "," : "", width: width)
            }
            return out + [indent + "]" + trail]
        default:
            // A long string or number cannot be broken.
            return [single]
        }
    }

    private static func inline(_ value: SpecJSON) -> String {
        switch value {
        case .object(let members):
            members.isEmpty ? "{}" : "{ " + members.map { SpecJSON.quote($0.key) + ": " + inline($0.value) }.joined(separator: ", ") + " }"
        case .array(let items):
            items.isEmpty ? "[]" : "[" + items.map(inline).joined(separator: ", ") + "]"
        default:
            value.rendered()
        }
    }
}
