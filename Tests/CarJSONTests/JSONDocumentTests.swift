import Testing
@testable import CarJSON

@Suite("JSON documents with an unhashed top level")
struct JSONDocumentTests {
    private func document(_ text: String) throws -> JSONDocument {
        try JSONParser.parseDocument(Array(text.utf8))
    }

    @Test func aTopLevelObjectKeepsItsMembersInOrderWithRepeats() throws {
        let parsed = try document(#" {"method":"m","id":7,"params":{"a":[1,{"b":null}],"a":2},"id":"x","méthode":"\u00e9"} "#)
        guard case .object(let members) = parsed else { Issue.record("expected members"); return }
        #expect(members.map(\.key) == ["method", "id", "params", "id", "méthode"])
        #expect(members[2].value == ["a": 2], "inside, a repeated key keeps its last value as before")
        #expect(members[3].value == "x")
        #expect(members[4].value == "é")
    }

    @Test func everythingElseIsAnOrdinaryValue() throws {
        #expect(try document("[1,{}]") == .value([1, [:]]))
        #expect(try document(#""id""#) == .value("id"))
        #expect(try document("{}") == .object([]))
    }

    @Test func commonKeysAreReadExactly() throws {
        // Near misses of the interned envelope keys must come out as written.
        let parsed = try document(#"{"idx":1,"i":2,"id":3,"params2":4,"param":5,"jsonrpc":"2.0","data":6,"dat":7}"#)
        guard case .object(let members) = parsed else { Issue.record("expected members"); return }
        #expect(members.map(\.key) == ["idx", "i", "id", "params2", "param", "jsonrpc", "data", "dat"])
    }

    @Test(arguments: [#"{"a":1,}"#, #"{"a":1} x"#, #"{"id""#, #"{"id":}"#, "{", #"{"method":"m""#])
    func malformedObjectsAreRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { _ = try document(text) }
    }

    @Test func membersParseLikeTheDictionaryForm() throws {
        let text = #"{"jsonrpc":"2.0","id":1,"method":"state.set","params":{"key":"k","value":[1,2,{"x":"y"}]}}"#
        guard case .object(let members) = try document(text) else { Issue.record("expected members"); return }
        let rebuilt = JSONValue.object(Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
        #expect(rebuilt == (try JSONParser.parse(text)))
    }
}
