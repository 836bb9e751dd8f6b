import Testing
@testable import CarWebSocket

@Suite("SHA-1, base64, UTF-8")
struct DigestAndEncodingTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (String(repeating: "x", count: 55), "cef734ba81a024479e09eb5a75b6ddae62e6abf1"),
        (String(repeating: "x", count: 56), "901305367c259952f4e7af8323f480d59f81335b"),
        (String(repeating: "x", count: 63), "0ddc4e0cccd9a12850deb5abb0853a4425559fec"),
        (String(repeating: "x", count: 64), "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163"),
        (String(repeating: "x", count: 65), "78c741ddc482e4cdf8c474a0876347a0905b6233"),
    ])
    func sha1Vectors(_ input: String, _ expected: String) {
        #expect(Self.hex(SHA1.digest(Array(input.utf8))) == expected)
    }

    @Test func sha1OfOneMillionAs() {
        #expect(Self.hex(SHA1.digest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
            == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test func websocketAcceptVectorFromRFC6455() {
        #expect(HTTPUpgrade.acceptValue(key: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                      ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func base64VectorsFromRFC4648(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func base64URLWithoutPaddingForTokens() {
        #expect(Base64.encodeURLNoPad([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64.encodeURLNoPad([0x66]) == "Zg")
        #expect(Base64.encodeURLNoPad([UInt8](repeating: 0xAB, count: 32)).count == 43)
    }

    @Test(arguments: ["Zg=", "Zg", "Z===", "=Zg=", "Zm9v!A==", "Zh==", "Zm9vYg==Zm9v", "Zm 9v"])
    func base64RejectsMalformedInput(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test(arguments: [
        [UInt8](), Array("plain ascii that is longer than eight bytes".utf8), Array("héllo ✓ 🚗".utf8),
        [0xED, 0x9F, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0xEF, 0xBF, 0xBD],
    ])
    func acceptsValidUTF8(_ bytes: [UInt8]) {
        #expect(UTF8Validation.isValid(bytes))
    }

    @Test(arguments: [
        [0xC0, 0xAF] as [UInt8],             // overlong '/'
        [0xE0, 0x80, 0xAF],                  // overlong, three bytes
        [0xED, 0xA0, 0x80],                  // surrogate U+D800
        [0xF4, 0x90, 0x80, 0x80],            // above U+10FFFF
        [0xF5, 0x80, 0x80, 0x80],
        [0xE2, 0x82],                        // truncated
        [0x80],                              // lone continuation
        Array("12345678".utf8) + [0xFF],     // invalid right after the eight-byte fast path
        Array("1234567".utf8) + [0xC3],      // truncated at the end
    ])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(!UTF8Validation.isValid(bytes))
    }

    static let streamCases: [[UInt8]] = [
        Array("héllo ✓ 🚗 and some ascii".utf8), [0xF4, 0x8F, 0xBF, 0xBF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF],
        [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x61, 0x80], Array("1234567".utf8) + [0xC3],
        Array("🚗🚗".utf8) + [0xF0, 0x9F], [0xF0, 0x9F, 0x9A, 0x97, 0xFF],
    ]

    /// Every way of cutting the input into two or three pieces gives the whole input's verdict.
    @Test(arguments: streamCases)
    func streamingValidationAgreesWithWholeValidation(_ bytes: [UInt8]) {
        let whole = UTF8Validation.isValid(bytes)
        for first in 0...bytes.count {
            for second in first...bytes.count {
                var stream = UTF8Validation.Stream()
                var ok = true
                for piece in [bytes[..<first], bytes[first..<second], bytes[second...]] {
                    ok = ok && piece.withUnsafeBytes { stream.feed($0) }
                }
                #expect((ok && stream.isComplete) == whole, "cut at \(first), \(second) of \(bytes)")
            }
        }
    }
}
