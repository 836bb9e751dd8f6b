/// Stage 3 for types: prints the IR as Swift. Codable conformances are written out rather
/// than synthesized so the wire rules are visible: absent and null decode alike, absent
/// optionals are omitted, and a required-but-nullable field is written as an explicit null.
enum DeclRenderer {
    static func render(_ decl: SwiftDecl, into writer: inout SwiftWriter) {
        switch decl {
        case .alias(let name, let target, let doc):
            writer.doc(doc)
            writer.line("public typealias \(name) = \(target)")
        case .enumeration(let value):
            renderEnum(value, into: &writer)
        case .structure(let value):
            renderStruct(value, into: &writer)
        }
    }

    private static func renderEnum(_ value: SwiftEnum, into writer: inout SwiftWriter) {
        writer.doc(value.doc)
        writer.block("public enum \(value.name): String, Codable, Hashable, Sendable, CaseIterable") { w in
            for entry in value.cases {
                w.line(entry.name == entry.wireValue ? "case \(entry.name)" : "case \(entry.name) = \(SwiftWriter.literal(entry.wireValue))")
            }
        }
    }

    private static func renderStruct(_ value: SwiftStruct, into writer: inout SwiftWriter) {
        writer.doc(value.doc)
        // A struct without members is always `{}`: it says so directly, so encoding a reply
        // like `server.ping`'s skips the Encoder machinery.
        let conformances = value.fields.isEmpty ? "Codable, Hashable, Sendable, JSONValueConvertible" : "Codable, Hashable, Sendable"
        writer.block("public struct \(value.name): \(conformances)") { w in
            for nested in value.nested {
                render(nested, into: &w)
                w.line()
            }
            for field in value.fields {
                w.doc(field.doc)
                w.line("public var \(field.name): \(field.declaredType)")
            }
            if !value.fields.isEmpty { w.line() }
            let arguments = value.fields.map { "\($0.name): \($0.declaredType)\($0.isOptional ? " = nil" : "")" }
            w.block("public init(\(arguments.joined(separator: ", ")))") { w in
                for field in value.fields { w.line("self.\(field.name) = \(field.name)") }
            }
            guard !value.fields.isEmpty else {
                // No members: any object decodes, and it encodes as {}.
                w.line()
                w.line("public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: CodingKeys.self) }")
                w.line("public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }")
                w.line("private enum CodingKeys: CodingKey {}")
                w.line("public var jsonValue: JSONValue { .object([:]) }")
                return
            }
            w.line()
            w.block("private enum CodingKeys: String, CodingKey") { w in
                for field in value.fields {
                    let bare = field.name.replacingOccurrences(of: "`", with: "")
                    w.line(bare == field.wireName ? "case \(field.name)" : "case \(field.name) = \(SwiftWriter.literal(field.wireName))")
                }
            }
            w.line()
            w.block("public init(from decoder: any Decoder) throws") { w in
                w.line("let container = try decoder.container(keyedBy: CodingKeys.self)")
                for field in value.fields {
                    let method = field.isOptional ? "decodeIfPresent" : "decode"
                    w.line("self.\(field.name) = try container.\(method)(\(field.type).self, forKey: .\(field.name))")
                }
            }
            w.line()
            w.block("public func encode(to encoder: any Encoder) throws") { w in
                w.line("var container = encoder.container(keyedBy: CodingKeys.self)")
                for field in value.fields {
                    if field.required && field.nullable {
                        w.block("if let \(field.name) = self.\(field.name)") { w in
                            w.line("try container.encode(\(field.name), forKey: .\(field.name))")
                        }
                        w.block("else") { w in w.line("try container.encodeNil(forKey: .\(field.name))") }
                    } else if field.isOptional {
                        w.line("try container.encodeIfPresent(self.\(field.name), forKey: .\(field.name))")
                    } else {
                        w.line("try container.encode(self.\(field.name), forKey: .\(field.name))")
                    }
                }
            }
        }
    }
}
