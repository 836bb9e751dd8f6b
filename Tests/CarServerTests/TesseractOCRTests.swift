import CarFiles
import CarRPC
import CarTestSupport
@testable import CarServer
@testable import CarHandlers
import Testing

@Suite("vision.ocr: Tesseract output")
struct TesseractOCRTests {
    @Test func wordsBecomeNormalizedBottomLeftBoxes() {
        let tsv = """
            level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
            1\t1\t0\t0\t0\t0\t0\t0\t200\t100\t-1\t
            4\t1\t1\t1\t1\t0\t10\t20\t100\t30\t-1\t
            5\t1\t1\t1\t1\t1\t10\t20\t50\t30\t96.5\tHello
            5\t1\t1\t1\t1\t2\t70\t20\t40\t30\t-1\t
            5\t1\t1\t1\t1\t3\t120\t60\t80\t40\t88\tworld
            """
        let words = TesseractOCR.parse(tsv: tsv)
        #expect(words.map(\.text) == ["Hello", "world"])
        let hello = words[0]
        #expect(hello.confidence == 0.965)
        #expect(hello.x == 0.05 && hello.w == 0.25 && hello.h == 0.3)
        #expect(abs(hello.y - 0.5) < 1e-9, "top 20 + height 30 of 100 puts the bottom edge at 0.5 from the bottom")
        #expect(abs(words[1].y - 0.0) < 1e-9)
    }

    @Test func languageHintsMapToTesseractCodes() {
        #expect(TesseractOCR.tesseractLanguage("en-US") == "eng")
        #expect(TesseractOCR.tesseractLanguage("deu") == "deu")
        #expect(TesseractOCR.tesseractLanguage("xx-YY") == nil)
    }
}

/// vision.ocr end to end over a socket, when Tesseract is installed (`scripts/test-all.sh`
/// installs it on CI machines that can reach Debian's packages; elsewhere this is skipped).
@Suite("vision.ocr: end to end with Tesseract")
struct TesseractEndToEndTests {
    /// "CAR" in a 5×7 bitmap font scaled 8×, as a binary PGM (a format Tesseract reads natively).
    static func writeImage(to path: String) throws {
        let glyphs: [[String]] = [
            ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
            ["00100", "01010", "10001", "10001", "11111", "10001", "10001"],
            ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
        ]
        let scale = 8, margin = 40
        let width = margin * 2 + glyphs.count * 6 * scale, height = margin * 2 + 7 * scale
        var pixels = [UInt8](repeating: 255, count: width * height)
        for (index, glyph) in glyphs.enumerated() {
            for (row, bits) in glyph.enumerated() {
                for (column, bit) in bits.enumerated() where bit == "1" {
                    for dy in 0..<scale {
                        for dx in 0..<scale {
                            pixels[(margin + row * scale + dy) * width + margin + (index * 6 + column) * scale + dx] = 0
                        }
                    }
                }
            }
        }
        try FileSystem.writeAtomically(Array("P5 \(width) \(height) 255\n".utf8) + pixels, to: path, mode: 0o600)
    }

    @Test(.enabled(if: TesseractOCR.locate() != nil, "tesseract is not on PATH"))
    func anApprovedCallReadsTheTextWithNormalizedBoxes() throws {
        let directory = EchoServer.temporaryDirectory()
        try Self.writeImage(to: directory + "/car.pgm")
        var state = ServerStateConfig(authToken: nil, hostToken: nil, journalDirectory: nil)
        state.approvalGate.enabled = false
        let daemon = CarDaemon(configuration: DaemonConfiguration(transport: TransportConfig(port: 0), state: state,
                                                                  logger: Logger(minimum: .error)))
        let port = try daemon.start().tcpPort
        defer { daemon.shutdown() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: port, timeout: 60)
        defer { client.close() }
        let reply = try DaemonSessionTests.call(client, 1, "vision.ocr", #"{"image_path":"\#(directory)/car.pgm","languages":["en-US"]}"#)
        let result = try #require(reply["result"], "\(reply)")
        #expect(result["available"] == true)
        let observations = result["observations"]?.arrayValue ?? []
        #expect(observations.contains { $0["text"]?.stringValue == "CAR" }, "\(observations)")
        for observation in observations {
            for key in ["x", "y", "w", "h", "confidence"] {
                let value = observation[key]?.doubleValue ?? -1
                #expect((0...1).contains(value), "\(key) = \(value)")
            }
        }
    }
}
