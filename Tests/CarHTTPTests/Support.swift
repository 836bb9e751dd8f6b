import CarHTTP

/// Feeds `bytes` in pieces of `step` bytes (all at once when nil), collecting requests and the
/// first error; `continues` counts `.continueExpected` events.
struct Outcome {
    var requests: [HTTPRequest] = []
    var error: HTTPRequestError?
    var continues = 0
    var leftover = 0
}

func decode(_ bytes: [UInt8], step: Int? = nil, limits: HTTPRequestLimits = HTTPRequestLimits()) -> Outcome {
    var decoder = HTTPRequestDecoder(limits: limits)
    var outcome = Outcome()
    let size = max(step ?? bytes.count, 1)
    var offset = 0
    repeat {
        let end = min(offset + size, bytes.count)
        decoder.append(Array(bytes[offset..<end]))
        offset = end
        do {
            while let event = try decoder.next() {
                switch event {
                case .request(let request): outcome.requests.append(request)
                case .continueExpected: outcome.continues += 1
                }
            }
        } catch {
            outcome.error = error
            return outcome
        }
    } while offset < bytes.count
    outcome.leftover = decoder.bufferedBytes
    return outcome
}

func decode(_ text: String, step: Int? = nil, limits: HTTPRequestLimits = HTTPRequestLimits()) -> Outcome {
    decode(Array(text.utf8), step: step, limits: limits)
}

/// The status a request is refused with, nil when it decodes.
func refusal(_ text: String, limits: HTTPRequestLimits = HTTPRequestLimits()) -> Int? {
    decode(text, limits: limits).error?.status
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
