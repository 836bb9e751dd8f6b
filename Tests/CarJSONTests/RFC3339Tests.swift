import CarJSON
import Testing

@Suite("RFC 3339")
struct RFC3339Tests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(micros: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(micros: 1_777_723_201_123_999) == "2026-05-02T12:00:01.123Z")
        #expect(RFC3339.format(micros: 951_782_400_000_000) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339.format(micros: -1_000) == "1969-12-31T23:59:59.999Z")
    }

    @Test func parsesOffsetsFractionsAndDates() {
        #expect(RFC3339.parse("2026-05-02T12:00:01.123Z") == 1_777_723_201_123_000)
        #expect(RFC3339.parse("2026-05-02T12:00:01Z") == 1_777_723_201_000_000)
        #expect(RFC3339.parse("2026-05-02T14:00:01+02:00") == 1_777_723_201_000_000)
        #expect(RFC3339.parse("2026-05-02t07:30:01.5-04:30") == 1_777_723_201_500_000)
        #expect(RFC3339.parse("2026-05-02") == 1_777_680_000_000_000)
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30", "2026-05-02T12:00:01", "2026-05-02T12:00:01.Z", "2026-05-02T25:00:00Z", "2026-05-02T12:00:00Zjunk"] {
            #expect(RFC3339.parse(bad) == nil, "accepted \(bad)")
        }
        let now = RFC3339.nowMicros()
        #expect(RFC3339.parse(RFC3339.format(micros: now)) == now - now % 1_000)
    }
}
