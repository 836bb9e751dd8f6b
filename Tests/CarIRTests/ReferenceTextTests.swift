import CarIR
import CarJSON
import Testing

@Suite("reference text")
struct ReferenceTextTests {
    @Test(arguments: [
        (1.0, "1.0"), (0.5, "0.5"), (-0.0, "-0.0"), (0.0, "0.0"), (100.0, "100.0"), (123456789.125, "123456789.125"),
        (1e15, "1000000000000000.0"), (9.9e15, "9900000000000000.0"), (1e16, "1e+16"), (1.5e16, "1.5e+16"),
        (1.2345678901234568e20, "1.2345678901234568e+20"), (1e-5, "0.00001"), (1.2345e-5, "0.000012345"),
        (9.99e-6, "9.99e-6"), (1e-7, "1e-7"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (-2.5e-300, "-2.5e-300"),
    ])
    func numbersAreSpelledAsTheReferenceSpellsThem(value: Double, text: String) {
        #expect(ReferenceText.number(value) == text)
    }

    @Test func debugFormMirrorsRustsValueDebug() {
        #expect(ReferenceText.debug(.null) == "Null")
        #expect(ReferenceText.debug(.bool(true)) == "Bool(true)")
        #expect(ReferenceText.debug(.int(-5)) == "Number(-5)")
        #expect(ReferenceText.debug(.double(5)) == "Number(5.0)")
        #expect(ReferenceText.debug(["b": [true, nil], "a": 1.5]) == #"Object {"a": Number(1.5), "b": Array [Bool(true), Null]}"#)
        #expect(ReferenceText.debug([]) == "Array []")
        #expect(ReferenceText.debug(.object([:])) == "Object {}")
        #expect(ReferenceText.debug("tab\t\"q\"\\ é✓") == #"String("tab\t\"q\"\\ é✓")"#)
        // Controls, format characters and combining marks are escaped, wherever they sit.
        #expect(ReferenceText.debug("x\u{301}\u{200B}\u{7}\0") == #"String("x\u{301}\u{200b}\u{7}\0")"#)
    }

    @Test func compactFormSortsKeysByBytes() {
        #expect(ReferenceText.compact(["b": 1, "a": [1e20, "x"], "Z": nil]) == #"{"Z":null,"a":[1e+20,"x"],"b":1}"#)
        #expect(ReferenceText.sortedKeys(["é": 1, "z": 2, "A": 3]) == ["A", "z", "é"])
    }

    @Test func containmentIsByteWise() {
        #expect(ReferenceText.bytes("hello", contain: "ell"))
        #expect(ReferenceText.bytes("hello", contain: ""))
        #expect(!ReferenceText.bytes("he", contain: "hello"))
        // "e" is a byte prefix of "e\u{301}" though not a whole character of it.
        #expect(ReferenceText.bytes("e\u{301}", contain: "e"))
    }
}
