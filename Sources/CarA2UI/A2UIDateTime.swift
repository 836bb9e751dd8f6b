/// The ISO 8601 shapes a DateTimeInput bound takes: a date (2026-01-31), a time (14:30,
/// 14:30:05, optionally with fraction and zone) or both joined by T.
enum A2UIDateTime {
    static func isISO8601(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        if let t = bytes.firstIndex(where: { $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "t") }) {
            return isDate(bytes[..<t]) && isTime(bytes[(t + 1)...])
        }
        return isDate(bytes[...]) || isTime(bytes[...])
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2, parts.allSatisfy(digits) else { return false }
        let month = Int(String(decoding: parts[1], as: UTF8.self))!, day = Int(String(decoding: parts[2], as: UTF8.self))!
        return (1...12).contains(month) && (1...31).contains(day)
    }

    private static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        var clock = bytes
        if let zone = clock.firstIndex(where: { $0 == UInt8(ascii: "Z") || $0 == UInt8(ascii: "z") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) {
            let offset = clock[zone...]
            clock = clock[..<zone]
            if offset.count > 1 {
                let hm = offset.dropFirst().split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
                guard hm.count == 2, hm.allSatisfy({ $0.count == 2 && digits($0) }) else { return false }
            }
        }
        if let dot = clock.firstIndex(of: UInt8(ascii: ".")) {
            guard digits(clock[(dot + 1)...]) else { return false }
            clock = clock[..<dot]
        }
        let parts = clock.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 && digits($0) }) else { return false }
        let hour = Int(String(decoding: parts[0], as: UTF8.self))!, minute = Int(String(decoding: parts[1], as: UTF8.self))!
        let second = parts.count == 3 ? Int(String(decoding: parts[2], as: UTF8.self))! : 0
        return hour < 24 && minute < 60 && second < 61
    }
}
