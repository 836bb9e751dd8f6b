@testable import CarEngine
import CarJSON
import Testing

@Suite("parameter interpolation")
struct ParameterInterpolationTests {
    private let outputs: [String: JSONValue] = [
        "a1": ["path": "/tmp/x", "meta": ["size": 12, "tags": ["x", "y"]]],
        "read-file": "hello",
        "n": 7,
    ]
    private var interpolation: ParameterInterpolation {
        ParameterInterpolation(outputs: outputs, actionIDs: ["a1", "read-file", "n", "pending"])
    }

    @Test func anExactReferenceKeepsTheValueAndItsType() throws {
        #expect(try interpolation.resolve(.string("$a1.output")) == outputs["a1"])
        #expect(try interpolation.resolve(.string("$a1.output.meta.size")) == 12)
        #expect(try interpolation.resolve(.string("$a1.output.meta.tags.1")) == "y")
        #expect(try interpolation.resolve(.string("$n.output")) == 7)
        #expect(try interpolation.resolve(["nested": ["list": ["$read-file.output"]]]) == ["nested": ["list": ["hello"]]])
    }

    @Test func anEmbeddedReferenceBecomesText() throws {
        #expect(try interpolation.resolve(.string("cat $a1.output.path now")) == "cat /tmp/x now")
        #expect(try interpolation.resolve(.string("size=$a1.output.meta.size, n=$n.output")) == "size=12, n=7")
        #expect(try interpolation.resolve(.string("tags: $a1.output.meta.tags")) == #"tags: ["x","y"]"#)
        // A trailing segment that does not resolve is prose and stays.
        #expect(try interpolation.resolve(.string("saved $read-file.output.txt.")) == "saved hello.txt.")
    }

    @Test func textThatIsNotAReferenceIsLeftAlone() throws {
        for text in ["$HOME/bin", "costs $5", "$ghost.output", "$a1.outputs", "a1.output", "$"] {
            #expect(try interpolation.resolve(.string(text)) == .string(text))
        }
    }

    @Test func anExactReferenceThatDoesNotResolveIsAnError() {
        #expect(throws: InterpolationError.self) { try interpolation.resolve(.string("$a1.output.missing")) }
        #expect(throws: InterpolationError.self) { try interpolation.resolve(.string("$pending.output")) }
        do {
            _ = try interpolation.resolve(.string("$a1.output.meta.colour"))
        } catch {
            #expect(error.description == "'$a1.output.meta.colour': a1's output has no member 'colour' under 'meta'")
        }
    }

    @Test func referencesAreFoundAnywhereInTheParameters() {
        let parameters: JSONValue = ["a": "$a1.output.path", "b": ["x $n.output y", 3], "c": "$other.output"]
        #expect(ParameterInterpolation.references(in: parameters, actionIDs: ["a1", "n", "z"]) == ["a1", "n"])
        // The longest id wins where several fit.
        let refs = ParameterInterpolation.scan(Array("$a.output.b.output".utf8), actionIDs: ["a", "a.output.b"])
        #expect(refs.map(\.actionID) == ["a.output.b"])
    }
}
