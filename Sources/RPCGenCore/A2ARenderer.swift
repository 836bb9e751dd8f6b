/// Stage 3 for A2A: `CarA2AMethods`, the table of every A2A wire name (`"a2a"` in the spec) with
/// its operation and version, and A2A's error codes. The WebSocket routes the non-streaming
/// names like any method; the A2A HTTP listener looks every name up here, so a name added to
/// the spec is served by both without code of its own.
struct A2ARenderer {
    let spec: Spec

    func file() -> String {
        var w = SwiftWriter.header("The A2A method names and error codes of the spec.", imports: ["CarRPC"])
        w.doc(["Every A2A method name the daemon answers, in both protocol versions."])
        w.block("public enum CarA2AMethods") { w in
            w.doc(["One wire name: the operation it is (its 1.0 name) in the version its shapes follow."])
            w.block("public struct Entry: Sendable, Hashable") { w in
                w.line("public let name: String")
                w.line("public let operation: String")
                w.line("public let version: String")
                w.doc(["Answered with an event stream; the WebSocket answers it MethodNotFound."])
                w.line("public let streams: Bool")
            }
            w.line()
            w.doc(["Sorted by name."])
            w.line("public static let all: [Entry] = [")
            for method in spec.methods.sorted(by: { $0.name < $1.name }) {
                guard let a2a = method.a2a else { continue }
                w.line("    Entry(name: \(SwiftWriter.literal(method.name)), operation: \(SwiftWriter.literal(a2a.operation)), version: \(SwiftWriter.literal(a2a.version)), streams: \(a2a.streams)),")
            }
            w.line("]")
            w.line()
            w.line("public static let byName: [String: Entry] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })")
            w.line()
            w.doc(["A2A's own error codes (`#/components/a2aErrors`), by name."])
            w.line("public static let errorCodes: [String: Int] = [")
            for error in spec.a2aErrors { w.line("    \(SwiftWriter.literal(error.name)): \(error.code),") }
            w.line("]")
        }
        return w.text
    }
}
