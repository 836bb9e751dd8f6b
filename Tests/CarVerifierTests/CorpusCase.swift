import CarIR
import CarJSON
import Foundation

/// One file of `Corpus/`: a proposal, its inputs, and the reference's recorded answer
/// (scripts/verify-corpus/record.py writes `expected`).
struct CorpusCase: CustomStringConvertible {
    /// The file name, which every failure message carries.
    let file: String
    let proposal: JSONValue
    let initialState: [String: JSONValue]
    /// nil when the case supplies no registry.
    let tools: [ToolSchema]?
    let maxActions: Int
    let expectedReaderError: Bool
    /// Why we knowingly answer differently; `expected` is then our own answer (`expected_ours`).
    let deliberateDifference: String?
    /// The answer to assert: the reference's, or ours for a deliberate difference.
    let expected: JSONValue
    /// Every answer the reference has been seen to give (several when it is nondeterministic).
    let referenceAnswers: [JSONValue]

    var description: String { file }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static var fileNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }

    static func load(_ file: String) throws -> CorpusCase {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        let root = try JSONParser.parse([UInt8](data))
        guard let proposal = root["proposal"] else { throw CorpusError(file: file, problem: "no proposal") }
        let tools = try root["tools"].map { value -> [ToolSchema] in
            guard let list = value.arrayValue else { throw CorpusError(file: file, problem: "tools must be an array") }
            return try list.map { try toolSchema($0, file: file) }
        }
        let difference = root["deliberate_difference"]?.stringValue
        return CorpusCase(
            file: file,
            proposal: proposal,
            initialState: root["initial_state"]?.objectValue ?? [:],
            tools: tools,
            maxActions: root["max_actions"]?.intValue.map { Int($0) } ?? 30,
            expectedReaderError: root["expected_reader_error"]?.boolValue ?? false,
            deliberateDifference: difference,
            expected: (difference != nil ? root["expected_ours"] : root["expected"]) ?? .null,
            referenceAnswers: root["expected_variants"]?.arrayValue ?? root["expected"].map { [$0] } ?? []
        )
    }

    /// The ToolSchema fields the verifier reads; the rest of the wire shape does not matter here.
    private static func toolSchema(_ value: JSONValue, file: String) throws -> ToolSchema {
        guard let name = value["name"]?.stringValue else { throw CorpusError(file: file, problem: "a tool without a name") }
        return ToolSchema(name: name, description: value["description"]?.stringValue ?? "", parameters: value["parameters"] ?? .object([:]))
    }
}

struct CorpusError: Error, CustomStringConvertible {
    let file: String
    let problem: String
    var description: String { "\(file): \(problem)" }
}
