import CarIO
import Foundation

/// Text recognition through the Tesseract CLI, the backend `vision.ocr` falls back to off
/// macOS: one run with TSV output, word boxes normalized to [0, 1] with a bottom-left origin
/// (Apple Vision's convention, which the protocol keeps for every backend).
struct TesseractOCR {
    struct Word {
        var text: String
        var confidence: Double
        var x: Double, y: Double, w: Double, h: Double
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let executable: String
    /// A run that takes longer is killed: OCR of one image should not hold a handler.
    var timeout: Duration = .seconds(60)
    /// Output past this is cut: a bounded read of a bounded image.
    static let maxOutputBytes = 8 << 20

    static func locate(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/tesseract"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    func recognize(imagePath: String, languages: [String]) async throws -> [Word] {
        guard FileManager.default.isReadableFile(atPath: imagePath) else { throw Failure(description: "cannot read \(imagePath)") }
        var arguments = [imagePath, "stdout"]
        let codes = languages.compactMap(Self.tesseractLanguage)
        if !codes.isEmpty { arguments += ["-l", codes.joined(separator: "+")] }
        arguments.append("tsv")
        let output = try await run(arguments)
        return Self.parse(tsv: output)
    }

    /// BCP-47 hints to Tesseract codes for the common cases; Tesseract codes pass through.
    static func tesseractLanguage(_ tag: String) -> String? {
        let known = ["en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld", "ja": "jpn", "zh": "chi_sim"]
        let base = String(tag.lowercased().split(separator: "-").first ?? "")
        if let code = known[base] { return code }
        return tag.count == 3 ? tag : nil
    }

    /// The child runs on the blocking pool; the handler's task waits there, never the loop.
    private func run(_ arguments: [String]) async throws -> String {
        let runner = ProcessRunner(executable: executable, arguments: arguments, timeout: timeout, maxOutputBytes: Self.maxOutputBytes)
        let outcome = try await runner.run()
        if outcome.timedOut { throw Failure(description: "tesseract did not finish within \(timeout)") }
        guard outcome.status == 0 else { throw Failure(description: "tesseract exited with \(outcome.status)") }
        return String(decoding: outcome.output, as: UTF8.self)
    }

    /// Tesseract's TSV: level, page, block, par, line, word, left, top, width, height, conf,
    /// text. Level 1 is the page (its size normalizes the boxes); level 5 rows are words.
    static func parse(tsv: String) -> [Word] {
        var pageWidth = 0.0, pageHeight = 0.0
        var words: [Word] = []
        for line in tsv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 12, let level = Int(fields[0]),
                  let left = Double(fields[6]), let top = Double(fields[7]),
                  let width = Double(fields[8]), let height = Double(fields[9]) else { continue }
            if level == 1 {
                pageWidth = width
                pageHeight = height
                continue
            }
            let text = fields[11...].joined(separator: "\t").trimmingCharacters(in: .whitespaces)
            guard level == 5, !text.isEmpty, pageWidth > 0, pageHeight > 0, let confidence = Double(fields[10]), confidence >= 0 else { continue }
            words.append(Word(text: text, confidence: confidence / 100, x: left / pageWidth,
                              y: 1 - (top + height) / pageHeight, w: width / pageWidth, h: height / pageHeight))
        }
        return words
    }
}
