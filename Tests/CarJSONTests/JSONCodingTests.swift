import Testing
@testable import CarJSON

@Suite("JSONValue encoder and decoder")
struct JSONCodingTests {
    enum Severity: String, Codable, Equatable { case error, warning }

    struct Action: Codable, Equatable {
        var id: String
        var parameters: [String: JSONValue]
        var retries: Int?
        var severity: Severity
    }

    struct Proposal: Codable, Equatable {
        var actions: [Action]
        var context: JSONValue
        var note: String?
        var weight: Double
    }

    @Test func roundTripsNestedTypes() throws {
        let proposal = Proposal(actions: [Action(id: "a", parameters: ["q": [1, "x", nil]], retries: nil, severity: .warning)],
                                context: .null, note: "n", weight: 2)
        let encoded = try JSONValueEncoder().encode(proposal)
        #expect(encoded["actions"]?[0]?["retries"] == nil, "encodeIfPresent(nil) omits the key")
        #expect(encoded["weight"] == .double(2))
        #expect(try JSONValueDecoder().decode(Proposal.self, from: encoded) == proposal)
    }

    /// Each append used to copy the elements already encoded (the node kept a second
    /// reference), so a result of 10,000 strings (skills.gate's) took hundreds of ms on the
    /// event loop. The node now holds the only reference while it appends: linear.
    @Test func largeArraysAndObjectsEncodeInLinearTime() throws {
        struct Big: Encodable {
            var names: [String]
            var table: [String: Int]
        }
        let count = 200_000
        let big = Big(names: (0..<count).map { "candidate_\($0)@cand" },
                      table: Dictionary(uniqueKeysWithValues: (0..<count / 4).map { ("k\($0)", $0) }))
        let clock = ContinuousClock()
        let started = clock.now
        let value = try JSONValueEncoder().encode(big)
        let elapsed = clock.now - started
        #expect(value["names"]?.arrayValue?.count == count && value["table"]?.objectValue?.count == count / 4)
        // Quadratic copying of 200,000 elements is ~2e10 element copies (minutes); linear is
        // well under a second even in a debug build.
        #expect(elapsed < .seconds(10), "\(elapsed)")
    }

    @Test func decodingJSONValueKeepsNull() throws {
        #expect(try JSONValueDecoder().decode(JSONValue.self, from: .null) == .null)
        let proposal = try JSONValueDecoder().decode(Proposal.self, from: ["actions": [], "context": nil, "weight": 1])
        #expect(proposal.context == .null)
    }

    @Test func errorPathsNameTheField() {
        let value: JSONValue = ["actions": [["id": "ok", "parameters": [:], "severity": "error"],
                                            ["id": 1, "parameters": [:], "severity": "error"]],
                                "context": [:], "weight": 1]
        do {
            _ = try JSONValueDecoder().decode(Proposal.self, from: value)
            Issue.record("expected a type mismatch")
        } catch let error as DecodingError {
            #expect(DecodingErrorDescription.describe(error) == "invalid params: field 'actions[1].id' must be a string")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func missingAndNullFieldsAreReported() {
        func message(_ value: JSONValue) -> String {
            do {
                _ = try JSONValueDecoder().decode(Proposal.self, from: value)
                return "no error"
            } catch let error as DecodingError {
                return DecodingErrorDescription.describe(error)
            } catch {
                return "\(error)"
            }
        }
        #expect(message(["context": [:], "weight": 1]) == "invalid params: missing required field 'actions'")
        #expect(message(["actions": nil, "context": [:], "weight": 1]).contains("'actions' must not be null"))
        #expect(message(["actions": [], "context": [:], "weight": "heavy"]) == "invalid params: field 'weight' must be a number")
    }

    @Test func integersAreStrict() throws {
        #expect(try JSONValueDecoder().decode(Int.self, from: .double(3)) == 3)
        #expect(throws: DecodingError.self) { _ = try JSONValueDecoder().decode(Int.self, from: .double(3.5)) }
        #expect(throws: DecodingError.self) { _ = try JSONValueDecoder().decode(Int32.self, from: .int(1 << 40)) }
        #expect(throws: DecodingError.self) { _ = try JSONValueDecoder().decode(Bool.self, from: .int(1)) }
        #expect(throws: DecodingError.self) { _ = try JSONValueDecoder().decode(String.self, from: .int(1)) }
        #expect(throws: EncodingError.self) { _ = try JSONValueEncoder().encode(UInt64.max) }
    }

    @Test func foundationStyleCodableOfJSONValueWorksThroughOtherCoders() throws {
        let value: JSONValue = ["a": [1, 2.5, "s", true, nil, [:]]]
        let encoded = try JSONValueEncoder().encode(["wrapped": value])
        #expect(try JSONValueDecoder().decode([String: JSONValue].self, from: encoded)["wrapped"] == value)
    }
}
