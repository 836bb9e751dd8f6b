import CarIO
import CarIR
import CarJSON

/// CAR's built-in agent utility tools (`Runtime::register_agent_basics`): file reads and
/// writes, directory listing, find, grep, and a calculator, run inside the daemon instead of
/// through a client callback. Every file operation and walk runs on a blocking pool, never
/// on the caller's thread. Knows nothing of approvals: the caller decides, before `run`,
/// whether a mutating tool may go ahead (`isMutating`).
public struct BuiltinTools: Sendable {
    public let limits: BuiltinToolLimits
    public let calculator: Calculator
    let pool: BlockingPool

    public init(limits: BuiltinToolLimits = BuiltinToolLimits(), calculator: Calculator = Calculator(), pool: BlockingPool = .shared) {
        self.limits = limits
        self.calculator = calculator
        self.pool = pool
    }

    /// The tools that change files: `write_file`, `edit_file`.
    public static let mutating: Set<String> = ["write_file", "edit_file"]

    public static func isMutating(_ name: String) -> Bool { mutating.contains(name) }

    public static var names: [String] { schemas.map(\.name) }

    public static func schema(named name: String) -> ToolSchema? {
        schemas.first { $0.name == name }
    }

    /// Runs the tool. A refusal or failure is `.failure(message)`; nothing here traps.
    public func run(_ name: String, parameters: JSONValue) async -> ToolOutcome {
        if name == "calculate" {
            // Bounded in length and depth, so cheap enough to run where the caller is.
            return Self.outcome { () throws(BuiltinToolError) in try calculate(BuiltinParameters(parameters)) }
        }
        guard Self.schema(named: name) != nil else { return .failure("'\(name)' is not a built-in tool") }
        let files = FileTools(limits: limits)
        let search = SearchTools(limits: limits)
        do {
            return try await pool.run {
                Self.outcome { () throws(BuiltinToolError) in
                    let given = try BuiltinParameters(parameters)
                    switch name {
                    case "read_file": return try files.readFile(given)
                    case "write_file": return try files.writeFile(given)
                    case "edit_file": return try files.editFile(given)
                    case "list_dir": return try files.listDir(given)
                    case "find_files": return try search.findFiles(given)
                    default: return try search.grepFiles(given)
                    }
                }
            }
        } catch is CancellationError {
            return .failure("\(name) was cancelled before it ran")
        } catch {
            return .failure("\(name) could not run: \(error)")
        }
    }

    /// `{expression}` → `{expression, result}`; a whole result within 2^53 is an integer.
    func calculate(_ parameters: BuiltinParameters) throws(BuiltinToolError) -> JSONValue {
        let expression = try parameters.string("expression")
        let value: Double
        do {
            value = try calculator.evaluate(expression)
        } catch {
            throw BuiltinToolError("calculate: \(error.message)")
        }
        let result: JSONValue = value == value.rounded() && abs(value) <= 9_007_199_254_740_992 ? .int(Int64(value)) : .double(value)
        return .object(["expression": .string(expression), "result": result])
    }

    private static func outcome(_ body: () throws(BuiltinToolError) -> JSONValue) -> ToolOutcome {
        do {
            return .success(try body())
        } catch {
            return .failure(error.message)
        }
    }
}
