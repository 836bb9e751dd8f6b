import Testing
@testable import CarWebSocket

@Suite("frame codec")
struct FrameCodecTests {
    static let key: (UInt8, UInt8, UInt8, UInt8) = (0x37, 0xFA, 0x21, 0x3D)

    static func decodeAll(_ bytes: [UInt8], role: FrameDecoder.Role = .server, limit: Int = 16 << 20) throws -> [WebSocketMessage] {
        var decoder = FrameDecoder(role: role, maxMessageBytes: limit)
        decoder.append(bytes)
        var messages: [WebSocketMessage] = []
        while let message = try decoder.nextMessage() { messages.append(message) }
        return messages
    }

    static func masked(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        FrameEncoder.append(opcode: opcode, payload: payload, fin: fin, maskKey: key, into: &out)
        return out
    }

    @Test func rfcMaskedHelloExample() throws {
        let bytes: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        #expect(try Self.decodeAll(bytes) == [.text(Array("Hello".utf8))])
        #expect(Self.masked(.text, Array("Hello".utf8)) == bytes)
    }

    @Test func rfcUnmaskedExamplesForTheClientRole() throws {
        #expect(try Self.decodeAll([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], role: .client) == [.text(Array("Hello".utf8))])
        let fragmented: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F]
        #expect(try Self.decodeAll(fragmented, role: .client) == [.text(Array("Hello".utf8))])
        #expect(try Self.decodeAll([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], role: .client) == [.ping(Array("Hello".utf8))])
    }

    @Test(arguments: [0, 1, 125, 126, 127, 65535, 65536, 200_000])
    func lengthEncodingsRoundTrip(_ length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var unmasked: [UInt8] = []
        FrameEncoder.append(opcode: .binary, payload: payload, into: &unmasked)
        let expectedHeader = length <= 125 ? 2 : (length <= 65535 ? 4 : 10)
        #expect(unmasked.count == expectedHeader + length)
        #expect(try Self.decodeAll(unmasked, role: .client) == [.binary(payload)])
        #expect(try Self.decodeAll(Self.masked(.binary, payload)) == [.binary(payload)])
    }

    @Test func byteAtATimeFeedingYieldsTheSameMessages() throws {
        let stream = Self.masked(.text, Array("frag".utf8), fin: false) + Self.masked(.ping, [9])
            + Self.masked(.continuation, Array("ment".utf8)) + Self.masked(.binary, [UInt8](repeating: 7, count: 300))
        var decoder = FrameDecoder(role: .server)
        var messages: [WebSocketMessage] = []
        for byte in stream {
            decoder.append([byte])
            while let message = try decoder.nextMessage() { messages.append(message) }
        }
        #expect(messages == [.ping([9]), .text(Array("fragment".utf8)), .binary([UInt8](repeating: 7, count: 300))])
        #expect(decoder.bufferedBytes == 0)
    }

    @Test func sizeLimitIsExactAndCountsFragments() throws {
        #expect(try Self.decodeAll(Self.masked(.binary, [UInt8](repeating: 0, count: 100)), limit: 100).count == 1)
        #expect(throws: WebSocketProtocolError(closeCode: 1009, reason: "message exceeds the 100-byte limit")) {
            _ = try Self.decodeAll(Self.masked(.binary, [UInt8](repeating: 0, count: 101)), limit: 100)
        }
        let fragments = Self.masked(.text, [UInt8](repeating: 97, count: 60), fin: false)
            + Self.masked(.continuation, [UInt8](repeating: 97, count: 60))
        #expect(throws: WebSocketProtocolError.self) { _ = try Self.decodeAll(fragments, limit: 100) }
    }

    @Test func hugeClaimedLengthFailsBeforeAnyPayloadArrives() {
        var decoder = FrameDecoder(role: .server, maxMessageBytes: 1 << 20)
        decoder.append([0x82, 0xFF, 0, 0, 1, 0, 0, 0, 0, 0])
        #expect(throws: WebSocketProtocolError(closeCode: 1009, reason: "message exceeds the 1048576-byte limit")) {
            _ = try decoder.nextMessage()
        }
        var topBit = FrameDecoder(role: .server)
        topBit.append([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: WebSocketProtocolError.self) { _ = try topBit.nextMessage() }
    }

    @Test(arguments: [
        ([0xC1, 0x80, 0, 0, 0, 0] as [UInt8], 1002 as UInt16),     // RSV1
        ([0x83, 0x80, 0, 0, 0, 0] as [UInt8], 1002 as UInt16),                         // reserved data opcode
        ([0x8B, 0x80, 0, 0, 0, 0] as [UInt8], 1002 as UInt16),                         // reserved control opcode
        ([0x81, 0x01, 0x61] as [UInt8], 1002 as UInt16),                               // unmasked from a client
        ([0x09, 0x80, 0, 0, 0, 0] as [UInt8], 1002 as UInt16),                         // fragmented ping
        ([0x80, 0x80, 0, 0, 0, 0] as [UInt8], 1002 as UInt16),                         // continuation with nothing to continue
        ([0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0] as [UInt8], 1002 as UInt16),             // control payload over 125
        ([0x81, 0x82, 0, 0, 0, 0, 0xC3, 0x28] as [UInt8], 1007 as UInt16),             // invalid UTF-8 text
        ([0x88, 0x81, 0, 0, 0, 0, 0x03] as [UInt8], 1002 as UInt16),                   // one-byte close payload
        ([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xED] as [UInt8], 1002 as UInt16),             // close code 1005 on the wire
        ([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE7] as [UInt8], 1002 as UInt16),             // close code 999
        ([0x88, 0x84, 0, 0, 0, 0, 0x03, 0xE8, 0xC3, 0x28] as [UInt8], 1007 as UInt16), // close reason not UTF-8
    ])
    func rejectsViolationsWithTheRightCloseCode(_ bytes: [UInt8], _ code: UInt16) {
        do {
            _ = try Self.decodeAll(bytes)
            Issue.record("no error for \(bytes)")
        } catch {
            #expect((error as? WebSocketProtocolError)?.closeCode == code)
        }
    }

    @Test func newMessageDuringAFragmentedOneIsAnError() {
        let bytes = Self.masked(.text, Array("a".utf8), fin: false) + Self.masked(.text, Array("b".utf8))
        #expect(throws: WebSocketProtocolError.self) { _ = try Self.decodeAll(bytes) }
    }

    @Test func serverFramesMustNotBeMaskedForTheClientRole() {
        #expect(throws: WebSocketProtocolError.self) { _ = try Self.decodeAll(Self.masked(.text, [0x61]), role: .client) }
    }

    @Test func closeFramesDecodeAndEncode() throws {
        #expect(try Self.decodeAll(Self.masked(.close, [])) == [.close(code: nil, reason: "")])
        #expect(try Self.decodeAll(Self.masked(.close, FrameEncoder.closePayload(code: 4000, reason: "bye")))
            == [.close(code: 4000, reason: "bye")])
        let long = FrameEncoder.closePayload(code: 1001, reason: String(repeating: "é", count: 100))
        #expect(long.count <= 125)
        #expect(UTF8Validation.isValid(Array(long[2...])))
    }

    @Test func maskingHandlesEveryAlignment() throws {
        for length in 0..<20 {
            let payload = (0..<length).map { UInt8($0) }
            #expect(try Self.decodeAll(Self.masked(.binary, payload)) == [.binary(payload)])
        }
    }

    @Test func charactersStraddlingFragmentsAndReadsDecode() throws {
        let text = Array("héllo ✓ 🚗 ok".utf8)
        // Fragment boundaries inside "é" (after byte 2) and inside "🚗" (after byte 13).
        let stream = Self.masked(.text, Array(text[..<2]), fin: false)
            + Self.masked(.continuation, Array(text[2..<13]), fin: false) + Self.masked(.continuation, Array(text[13...]))
        var decoder = FrameDecoder(role: .server)
        var messages: [WebSocketMessage] = []
        for byte in stream {
            decoder.append([byte])
            while let message = try decoder.nextMessage() { messages.append(message) }
        }
        #expect(messages == [.text(text)])
    }

    @Test func invalidTextFailsBeforeTheRestOfItsFrameArrives() throws {
        var payload = [UInt8](repeating: 0x61, count: 1 << 20)
        payload[10] = 0xFF
        let frame = Self.masked(.text, payload)
        var decoder = FrameDecoder(role: .server)
        decoder.append(Array(frame[..<4096]))
        #expect(throws: WebSocketProtocolError(closeCode: 1007, reason: "text message is not valid UTF-8")) {
            _ = try decoder.nextMessage()
        }
        var truncated = FrameDecoder(role: .server)
        truncated.append(Self.masked(.text, [0x61, 0xE2, 0x82]))
        #expect(throws: WebSocketProtocolError.self) { _ = try truncated.nextMessage() }
    }

    @Test func aLargeFrameIsTakenAsItArrivesNotBufferedWhole() throws {
        let payload = (0..<(3 << 20)).map { UInt8(0x20 + $0 % 90) }
        let frame = Self.masked(.text, payload)
        var decoder = FrameDecoder(role: .server)
        var messages: [WebSocketMessage] = []
        var largestBuffered = 0
        var offset = 0
        while offset < frame.count {
            let end = min(frame.count, offset + 65_536 + 3) // reads that do not align with the mask
            decoder.append(Array(frame[offset..<end]))
            offset = end
            while let message = try decoder.nextMessage() { messages.append(message) }
            largestBuffered = max(largestBuffered, decoder.bufferedBytes)
        }
        #expect(messages == [.text(payload)])
        #expect(largestBuffered == 0)
    }
}
