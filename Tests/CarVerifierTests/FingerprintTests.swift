import CarJSON
import Testing
@testable import CarVerifier

/// Loop detection compares only calls whose parameter fingerprints agree, so the fingerprint
/// must agree whenever the values serialise alike.
@Suite("parameter fingerprints")
struct FingerprintTests {
    private func fingerprint(_ text: String) throws -> UInt64 {
        Fingerprint.of(parameters: try #require(try JSONParser.parse(text).objectValue))
    }

    @Test func valuesThatSerialiseAlikeAgree() throws {
        #expect(try fingerprint(#"{"a":1,"b":{"x":[1,"s",null,true],"y":2.5}}"#)
                == fingerprint(#"{"b":{"y":2.5,"x":[1,"s",null,true]},"a":1}"#))
    }

    @Test(arguments: [
        (#"{"a":1}"#, #"{"a":1.0}"#), (#"{"a":0.0}"#, #"{"a":-0.0}"#), (#"{"a":"1"}"#, #"{"a":1}"#),
        (#"{"a":[1,2]}"#, #"{"a":[2,1]}"#), (#"{"ab":"c"}"#, #"{"a":"bc"}"#), (#"{"a":[[]]}"#, #"{"a":[]}"#),
        (#"{"a":null}"#, #"{"a":false}"#), (#"{"a":{}}"#, #"{"a":[]}"#),
    ])
    func valuesThatSerialiseDifferentlyUsuallyDiffer(_ pair: (String, String)) throws {
        #expect(LoopDetection.sameText(try JSONParser.parse(pair.0), try JSONParser.parse(pair.1)) == false)
        #expect(try fingerprint(pair.0) != fingerprint(pair.1))
    }
}
