/// Stage 2: schemas become Swift declarations (a small IR the renderers print). Inline
/// objects and string enums become nested types named after the property that holds them.
indirect enum SwiftDecl {
    case structure(SwiftStruct)
    case enumeration(SwiftEnum)
    case alias(name: String, target: String, doc: [String])
}

struct SwiftStruct {
    var name: String
    var doc: [String]
    var fields: [SwiftField]
    var nested: [SwiftDecl]
}

struct SwiftField {
    var name: String
    var wireName: String
    var type: String
    var required: Bool
    var nullable: Bool
    var doc: [String]

    /// Optional in Swift when it may be absent or null on the wire.
    var isOptional: Bool { !required || nullable }
    var declaredType: String { isOptional ? type + "?" : type }
}

struct SwiftEnum {
    var name: String
    var doc: [String]
    var cases: [(name: String, wireValue: String)]
}

struct TypeTranslator {
    /// How code outside `CarSchemas` refers to a component schema.
    var refPrefix = "CarSchemas."

    /// The declaration for a named schema (a component, a method's Params or Result).
    func declaration(named name: String, for schema: Schema, remark: String) -> SwiftDecl {
        let doc = (schema.description.map { [$0] } ?? []) + ["- Remark: Generated from \(remark)"]
        switch schema.kind {
        case .object(let properties):
            var nested: [SwiftDecl] = []
            let fields = properties.map { field(for: $0, nested: &nested) }
            return .structure(SwiftStruct(name: name, doc: doc, fields: fields, nested: nested))
        case .string(let values?):
            return .enumeration(enumeration(named: name, values: values, doc: doc))
        default:
            var nested: [SwiftDecl] = []
            let target = typeExpression(for: schema, suggestedName: name + "Value", nested: &nested)
            precondition(nested.isEmpty, "a non-object alias cannot carry nested types")
            return .alias(name: name, target: schema.nullable ? target + "?" : target, doc: doc)
        }
    }

    private func field(for property: SchemaProperty, nested: inout [SwiftDecl]) -> SwiftField {
        let typeName = SwiftNames.typeName(property.name)
        let type = typeExpression(for: property.schema, suggestedName: typeName, nested: &nested)
        var doc: [String] = property.schema.description.map { [$0] } ?? []
        if let minimum = property.schema.minimum { doc.append("Minimum: \(format(minimum)).") }
        if let maximum = property.schema.maximum { doc.append("Maximum: \(format(maximum)).") }
        return SwiftField(name: property.memberName, wireName: property.name, type: type,
                          required: property.required, nullable: property.schema.nullable, doc: doc)
    }

    /// The Swift type for a schema used in place (a property, array items, a map's values).
    func typeExpression(for schema: Schema, suggestedName: String, nested: inout [SwiftDecl]) -> String {
        switch schema.kind {
        case .any: return "JSONValue"
        case .ref(let name): return refPrefix + name
        case .string(nil): return "String"
        case .string(let values?):
            nested.append(.enumeration(enumeration(named: suggestedName, values: values, doc: schema.description.map { [$0] } ?? [])))
            return suggestedName
        case .integer: return "Int"
        case .number: return "Double"
        case .boolean: return "Bool"
        case .array(let items):
            let element = typeExpression(for: items, suggestedName: suggestedName + "Item", nested: &nested)
            return "[\(items.nullable ? element + "?" : element)]"
        case .dictionary(let values):
            let element = typeExpression(for: values, suggestedName: suggestedName + "Value", nested: &nested)
            return "[String: \(values.nullable ? element + "?" : element)]"
        case .object(let properties):
            var inner: [SwiftDecl] = []
            let fields = properties.map { field(for: $0, nested: &inner) }
            nested.append(.structure(SwiftStruct(name: suggestedName, doc: schema.description.map { [$0] } ?? [],
                                                 fields: fields, nested: inner)))
            return suggestedName
        }
    }

    private func enumeration(named name: String, values: [String], doc: [String]) -> SwiftEnum {
        SwiftEnum(name: name, doc: doc, cases: values.map { (SwiftNames.memberName($0), $0) })
    }

    private func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
