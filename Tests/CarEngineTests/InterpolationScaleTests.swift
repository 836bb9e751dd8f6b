@testable import CarEngine
import CarIR
import CarJSON
import CarTestSupport
import Foundation
import Testing

/// The interpolation scan must stay linear in the string: a proposal is client input and the
/// scan runs on the executor for every string parameter.
@Suite("parameter interpolation at scale")
struct InterpolationScaleTests {
    /// 120 KB of `$ww.output`: every `$` is followed by thousands of `.output`s, none after an
    /// id. The scan this replaced tried each of them per `$` and took about 14 s on the
    /// release build; the budget here is generous so a loaded machine cannot make it flake.
    @Test func aStringFullOfOutputSuffixesIsScannedInLinearTime() throws {
        let bomb = String(repeating: "$ww.output", count: 12_000)
        let interpolation = ParameterInterpolation(outputs: ["w": "W"], actionIDs: ["w", "ww.output$w"])
        let clock = ContinuousClock()
        var resolved: JSONValue = .null
        let elapsed = try clock.measure { resolved = try interpolation.resolve(.string(bomb)) }
        #expect(resolved == .string(bomb))
        #expect(elapsed < .seconds(1), "120 KB took \(elapsed)")

        // The same string with a real reference at its very end is still found.
        let withReference = bomb + " $w.output"
        let references = ParameterInterpolation.references(in: .string(withReference), actionIDs: ["w"])
        #expect(references == ["w"])
    }

    /// Ids nested in each other (`x`, `x.output$x`, …) give many candidates per `$`; the
    /// longest with a boundary must still win, as with the quadratic scan.
    @Test func nestedIdsAgreeWithTheQuadraticScan() {
        var ids: Set<String> = ["x"]
        var id = "x"
        for _ in 0..<6 {
            id += ".output$x"
            ids.insert(id)
        }
        for text in ["$x.output$x.output$x.output.a", "$x.output$x.outputs $x.output-", "$$x.output$x.output$x.output$x.output$x.output$x.output$x.output$x.output"] {
            #expect(summary(ParameterInterpolation.scan(Array(text.utf8), actionIDs: ids)) == QuadraticScan.scan(Array(text.utf8), actionIDs: ids), "\(text)")
        }
    }

    /// Random strings over a small alphabet rich in `$`, `.`, `output` fragments and id bytes,
    /// against the scan this replaced: the same references, ranges and paths.
    @Test func randomTextAgreesWithTheQuadraticScan() {
        var generator = SeededGenerator(seed: 0x5eed)
        let pieces = ["$", ".", "output", ".output", "a", "b", "a.output", "$a", "-", "_", " ", "x", "1", "é", "s", "$a.output$a"]
        let idPieces = ["a", "b", ".output", "$", "a.b", "x", "-", "a.output$a", ".outputs"]
        for _ in 0..<2_000 {
            var ids = Set<String>()
            for _ in 0..<Int(generator.next() % 4 + 1) {
                var id = ""
                for _ in 0..<Int(generator.next() % 3 + 1) { id += idPieces[Int(generator.next() % UInt64(idPieces.count))] }
                ids.insert(id)
            }
            var text = ""
            for _ in 0..<Int(generator.next() % 24) { text += pieces[Int(generator.next() % UInt64(pieces.count))] }
            let bytes = Array(text.utf8)
            #expect(summary(ParameterInterpolation.scan(bytes, actionIDs: ids)) == QuadraticScan.scan(bytes, actionIDs: ids),
                    "text \(text.debugDescription) ids \(ids.sorted())")
        }
    }

    /// Ids compare as UTF-8 bytes, as the reference's do: a decomposed spelling of an id is
    /// another id.
    @Test func idsCompareAsBytes() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(ParameterInterpolation.references(in: .string("$\(decomposed).output"), actionIDs: [composed]).isEmpty)
        #expect(ParameterInterpolation.references(in: .string("$\(composed).output"), actionIDs: [composed]) == [composed])
    }

    private func summary(_ references: [ParameterInterpolation.Reference]) -> [QuadraticScan.Found] {
        references.map { QuadraticScan.Found(id: $0.actionID, path: $0.path, start: $0.start, end: $0.end) }
    }
}

/// The scan as it was before it became linear, kept as the oracle for its semantics.
private enum QuadraticScan {
    struct Found: Equatable, CustomStringConvertible {
        let id: String
        let path: [String]
        let start: Int
        let end: Int
        var description: String { "\(id)\(path)@\(start)..<\(end)" }
    }

    static func scan(_ bytes: [UInt8], actionIDs: Set<String>) -> [Found] {
        let suffix = Array(".output".utf8)
        let byteIDs = Set(actionIDs.map { Array($0.utf8) })
        var found: [Found] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "$") else {
                index += 1
                continue
            }
            let idStart = index + 1
            var best: (id: String, after: Int)?
            var search = idStart
            while search + suffix.count <= bytes.count {
                if bytes[search..<(search + suffix.count)].elementsEqual(suffix) {
                    let candidate = Array(bytes[idStart..<search])
                    let after = search + suffix.count
                    if !candidate.isEmpty, byteIDs.contains(candidate), after == bytes.count || !segment(bytes[after]) {
                        best = (String(decoding: candidate, as: UTF8.self), after)
                    }
                }
                search += 1
            }
            guard let best else {
                index += 1
                continue
            }
            var path: [String] = []
            var end = best.after
            while end < bytes.count, bytes[end] == UInt8(ascii: "."), end + 1 < bytes.count, segment(bytes[end + 1]) {
                var segmentEnd = end + 1
                while segmentEnd < bytes.count, segment(bytes[segmentEnd]) { segmentEnd += 1 }
                path.append(String(decoding: bytes[(end + 1)..<segmentEnd], as: UTF8.self))
                end = segmentEnd
            }
            found.append(Found(id: best.id, path: path, start: index, end: end))
            index = end
        }
        return found
    }

    private static func segment(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}


/// The automaton's memory follows the ids' bytes, so a proposal's ids are bounded together.
@Suite("parameter interpolation: id bytes")
struct ActionIDBytesTests {
    @Test func aProposalWhoseIdsPassTheByteBoundIsRefusedBeforeAnythingRuns() async throws {
        let runtime = Runtime(eventLog: try EventLog(journalPath: nil), limits: ExecutionLimits(maxActionIDBytes: 100))
        let long = String(repeating: "i", count: 60)
        let proposal = ActionProposal(id: "p", actions: [
            Action(id: long + "1", kind: .stateWrite, parameters: ["key": "k", "value": 1]),
            Action(id: long + "2", kind: .stateWrite, parameters: ["key": "k", "value": 2]),
        ])
        #expect(throws: AdmissionError("proposal action ids take 122 bytes together; at most 100 are allowed")) {
            try runtime.admit(proposal, session: nil)
        }
        let result = await runtime.execute(proposal, session: nil, scope: nil, invoker: NoCallbacks())
        #expect(result.results.allSatisfy { $0.status == .rejected })
        #expect(runtime.state.get("k", tenant: nil) == nil)
    }
}

private struct NoCallbacks: ToolInvoker {
    func invoke(_ call: ToolCall) async -> ToolOutcome { .channelClosed }
}
