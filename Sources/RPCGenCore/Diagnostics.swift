import Foundation

/// One problem found in the spec, printed the way compilers print, so `swift build` shows it
/// verbatim and fails: `spec/methods.json:12:7: error: #/methods/1/params: message`.
struct Diagnostic: Comparable {
    enum Severity: String { case warning, error }

    var severity: Severity
    var pointer: String
    var message: String
    var line: Int?
    var column: Int?

    func rendered(file: String) -> String {
        let location = line.map { "\(file):\($0):\(column ?? 1)" } ?? file
        return "\(location): \(severity.rawValue): \(pointer): \(message)"
    }

    static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        (lhs.line ?? 0, lhs.column ?? 0, lhs.pointer, lhs.message) < (rhs.line ?? 0, rhs.column ?? 0, rhs.pointer, rhs.message)
    }
}

/// Collects every problem rather than stopping at the first: a spec author fixes them in one pass.
final class DiagnosticCollector {
    private(set) var diagnostics: [Diagnostic] = []
    private let positions: [String: (line: Int, column: Int)]

    init(positions: [String: (line: Int, column: Int)]) {
        self.positions = positions
    }

    func error(_ pointer: String, _ message: String) {
        diagnostics.append(Diagnostic(severity: .error, pointer: pointer, message: message,
                                      line: locate(pointer)?.line, column: locate(pointer)?.column))
    }

    func warning(_ pointer: String, _ message: String) {
        diagnostics.append(Diagnostic(severity: .warning, pointer: pointer, message: message,
                                      line: locate(pointer)?.line, column: locate(pointer)?.column))
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The nearest enclosing value with a known position: a missing member has none itself.
    private func locate(_ pointer: String) -> (line: Int, column: Int)? {
        var current = pointer
        while true {
            if let found = positions[current] { return found }
            guard let slash = current.lastIndex(of: "/") else { return nil }
            current = String(current[..<slash])
        }
    }
}
