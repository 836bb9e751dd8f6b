extension A2ADispatcher {
    /// The `A2A-Version` header rule, as the SDK's server applies it (`validate_version`):
    /// a missing or empty header means `0.3`; the header must name the method's version or one
    /// with the same major (`1.0`, `1.1`, `1.0.0` for 1.0 methods; any `0.x` for 0.3 ones);
    /// anything else, and anything that is not a version, is refused. A 1.0 method gets -32009;
    /// a 0.3 method gets -32603, because the SDK's 0.3 adapter has no -32009 and maps it so.
    /// The header's name is matched without case by the transport; its value is taken as sent.
    public static func versionError(method: A2AProtocolVersion, header: String?) -> A2AError? {
        let actual = (header?.isEmpty ?? true) ? A2AProtocolVersion.v0_3.rawValue : header!
        let expected = method.rawValue
        if actual == expected { return nil }
        if let major = PEP440.major(actual), major == PEP440.major(expected) { return nil }
        let message = "A2A version '\(A2AError.clip(actual))' is not supported by this handler. Expected version '\(expected)'."
        return method == .v1_0 ? .versionNotSupported(message) : .internalError(message)
    }
}

/// Just enough of PEP 440 (what `packaging.version.Version` parses, which the SDK uses) to
/// read a version's major: optional whitespace, `v`, an epoch `N!`, the release `N(.N)*`,
/// then pre-, post-, dev- and local parts. Nil for text that is not such a version.
enum PEP440 {
    static func major(_ text: String) -> Int? {
        var bytes = Array(text.lowercased().utf8)[...]
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        while let first = bytes.first, isSpace(first) { bytes.removeFirst() }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        if bytes.first == UInt8(ascii: "v") { bytes.removeFirst() }
        func number() -> Int? {
            var value = 0, digits = 0
            while let byte = bytes.first, (0x30...0x39).contains(byte) {
                value = digits < 18 ? value * 10 + Int(byte - 0x30) : value
                digits += 1
                bytes.removeFirst()
            }
            return digits > 0 ? value : nil
        }
        guard var major = number() else { return nil }
        if bytes.first == UInt8(ascii: "!") {
            bytes.removeFirst()
            guard let afterEpoch = number() else { return nil }
            major = afterEpoch
        }
        while bytes.first == UInt8(ascii: "."), bytes.dropFirst().first.map({ (0x30...0x39).contains($0) }) == true {
            bytes.removeFirst()
            _ = number()
        }
        return suffixIsValid(String(decoding: bytes, as: UTF8.self)) ? major : nil
    }

    private static let separators: Set<Character> = ["-", "_", "."]

    /// `[pre][post][dev][+local]`, each optional, in that order.
    private static func suffixIsValid(_ text: String) -> Bool {
        var rest = Substring(text)
        func takeSeparator() { if let first = rest.first, separators.contains(first) { rest.removeFirst() } }
        func takeDigits() -> Bool {
            let digits = rest.prefix(while: \.isASCIIDigit)
            rest.removeFirst(digits.count)
            return !digits.isEmpty
        }
        func take(_ words: [String]) -> Bool {
            var probe = rest
            if let first = probe.first, separators.contains(first) { probe.removeFirst() }
            guard let word = words.first(where: { probe.hasPrefix($0) }) else { return false }
            rest = probe.dropFirst(word.count)
            takeSeparator()
            _ = takeDigits()
            return true
        }
        _ = take(["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"])
        if rest.first == "-", rest.dropFirst().first?.isASCIIDigit == true {
            rest.removeFirst()
            _ = takeDigits()
        } else {
            _ = take(["post", "rev", "r"])
        }
        _ = take(["dev"])
        if rest.first == "+" {
            rest.removeFirst()
            let segments = rest.split(omittingEmptySubsequences: false) { separators.contains($0) }
            guard !segments.isEmpty, segments.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCIIDigit || ("a"..."z").contains($0) } }) else {
                return false
            }
            rest = ""
        }
        return rest.isEmpty
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
