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
