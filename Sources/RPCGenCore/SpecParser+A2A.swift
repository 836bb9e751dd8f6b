/// The rules for `"a2a"` and `#/components/a2aErrors`. An A2A method's name is the wire name
/// A2A peers send, so it follows A2A's spelling rather than CAR's, and every 0.3 name must be
/// the alias of a 1.0 operation the spec also has.
extension SpecParser {
    static let a2aVersions: Set = ["1.0", "0.3"]

    func parseA2A(_ raw: SpecJSON?, name: String, pointer: String) -> SpecA2A? {
        guard let raw else { return nil }
        let label = "method '\(name)'"
        for (key, _) in raw.object ?? [] where !["operation", "version", "streams"].contains(key) {
            diagnostics.error(pointer + "/\(key)", "\(label): unknown a2a member '\(key)' (operation, version, streams)")
        }
        guard let operation = raw["operation"]?.string, let version = raw["version"]?.string else {
            diagnostics.error(pointer, "\(label): a2a needs an operation and a version")
            return nil
        }
        if !Self.a2aVersions.contains(version) {
            diagnostics.error(pointer + "/version", "\(label): a2a version must be one of \(Self.a2aVersions.sorted().joined(separator: ", "))")
        }
        if !Self.isPascalWord(operation) {
            diagnostics.error(pointer + "/operation", "\(label): an A2A operation is a 1.0 method name (UpperCamelCase letters)")
        }
        if version == "1.0", name != operation {
            diagnostics.error(pointer + "/operation", "\(label): a 1.0 A2A method is named for its operation ('\(operation)')")
        }
        if version == "0.3", !Self.isSlashName(name) {
            diagnostics.error(pointer, "\(label): a 0.3 A2A name is lowerCamel words separated by '/' (message/send)")
        }
        return SpecA2A(operation: operation, version: version, streams: raw["streams"]?.bool ?? false)
    }

    /// A2A's own codes: a table apart from CAR's, whose names must not repeat CAR's.
    func parseA2AErrors(besides errors: [SpecError]) -> [SpecError] {
        let table = parseErrorTable("a2aErrors")
        for error in table where errors.contains(where: { $0.name == error.name }) {
            diagnostics.error("#/components/a2aErrors/\(error.name)", "'\(error.name)' is already a CAR error; A2A errors take names of their own")
        }
        return table
    }

    func checkA2A(_ methods: [SpecMethod]) {
        var seen: [String: String] = [:]
        var streams: [String: Bool] = [:]
        let a2a = methods.filter { $0.a2a != nil }
        for method in a2a {
            guard let entry = method.a2a else { continue }
            let label = "method '\(method.name)'"
            if method.kind != .request || method.direction != .clientToServer {
                diagnostics.error(method.pointer + "/a2a", "\(label): an A2A method is a client-to-server request")
            }
            let key = entry.operation + " " + entry.version
            if let other = seen[key] {
                diagnostics.error(method.pointer + "/a2a", "\(label): \(entry.operation) in \(entry.version) is already '\(other)'")
            }
            seen[key] = method.name
            if entry.version == "1.0" { streams[entry.operation] = entry.streams }
        }
        for method in a2a {
            guard let entry = method.a2a, entry.version != "1.0" else { continue }
            guard let streaming = streams[entry.operation] else {
                diagnostics.error(method.pointer + "/a2a/operation", "method '\(method.name)': no 1.0 method '\(entry.operation)' to be an alias of")
                continue
            }
            if streaming != entry.streams {
                diagnostics.error(method.pointer + "/a2a/streams", "method '\(method.name)': streams must match '\(entry.operation)'")
            }
        }
    }

    static func isPascalWord(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
    }

    static func isSlashName(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
            return part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
        }
    }
}
