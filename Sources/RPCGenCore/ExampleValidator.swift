/// Checks every example against its method's schemas, so the examples that drive the
/// conformance tests and the OpenRPC document are known to be well-formed.
struct ExampleValidator {
    let spec: Spec
    let diagnostics: DiagnosticCollector

    func validateAll() {
        let codes = Dictionary((spec.errors + spec.a2aErrors).map { ($0.name, $0.code) }, uniquingKeysWith: { a, _ in a })
        for method in spec.methods {
            let label = "method '\(method.name)'"
            var allowedCodes = Set(method.errors.compactMap { codes[$0] })
            // The runtime may answer any method with these, whatever the method lists.
            allowedCodes.formUnion([-32600, -32601, -32602, -32603, -32001, -32002, -32003, -32004, -32005])
            if let paramsError = method.paramsError, let code = codes[paramsError.error] { allowedCodes.insert(code) }
            for (index, example) in method.examples.enumerated() {
                let pointer = method.pointer + "/examples/\(index)"
                if let error = example.error {
                    if !allowedCodes.contains(error.code) {
                        diagnostics.error(pointer + "/error/code", "\(label): example '\(example.name)' answers \(error.code), which the method does not list in errors")
                    }
                    continue
                }
                if let params = method.params {
                    for problem in validate(example.params, against: params, path: "params") {
                        diagnostics.error(pointer + "/params", "\(label): example '\(example.name)': \(problem)")
                    }
                } else if example.params != .null && example.params != .object([]) {
                    diagnostics.error(pointer + "/params", "\(label): example '\(example.name)': the method takes no params")
                }
                if let resultSchema = method.result, let result = example.result {
                    for problem in validate(result, against: resultSchema, path: "result") {
                        diagnostics.error(pointer + "/result", "\(label): example '\(example.name)': \(problem)")
                    }
                }
                if method.kind == .request && example.result == nil && example.resultKeys == nil && example.resultType == nil {
                    diagnostics.error(pointer, "\(label): example '\(example.name)' needs a result, resultKeys, resultType or an error")
                }
            }
            // A gated method cannot succeed without a person approving it, so its first example
            // (the gate's -32003) serves as the base for bad-params cases: params are checked
            // before the gate.
            if method.direction == .clientToServer, method.kind == .request, method.approval != "gated",
               !method.examples.contains(where: { $0.error == nil || $0.paramsValid }) {
                diagnostics.error(method.pointer + "/examples", "\(label): at least one example must succeed, or be an error example marked paramsValid (the conformance tests derive their bad-params cases from it)")
            }
        }
    }

    func validate(_ value: SpecJSON, against schema: Schema, path: String) -> [String] {
        if value == .null {
            if schema.nullable { return [] }
            if case .any = schema.kind { return [] }
            return ["\(path) must not be null"]
        }
        switch schema.kind {
        case .any:
            return []
        case .ref(let name):
            guard let target = spec.schemas.first(where: { $0.name == name })?.schema else { return ["\(path): unknown $ref"] }
            return validate(value, against: target, path: path)
        case .string(let values):
            guard case .string(let text) = value else { return ["\(path) must be a string, not \(value.typeName)"] }
            if let values, !values.contains(text) { return ["\(path) must be one of \(values.joined(separator: ", "))"] }
            return []
        case .integer:
            guard case .integer(let number) = value else { return ["\(path) must be an integer, not \(value.typeName)"] }
            return bounds(Double(number), schema, path)
        case .number:
            switch value {
            case .integer(let number): return bounds(Double(number), schema, path)
            case .number(let number): return bounds(number, schema, path)
            default: return ["\(path) must be a number, not \(value.typeName)"]
            }
        case .boolean:
            return value.bool == nil ? ["\(path) must be a boolean, not \(value.typeName)"] : []
        case .array(let items):
            guard let list = value.array else { return ["\(path) must be an array, not \(value.typeName)"] }
            return list.enumerated().flatMap { validate($1, against: items, path: "\(path)[\($0)]") }
        case .dictionary(let values):
            guard let members = value.object else { return ["\(path) must be an object, not \(value.typeName)"] }
            return members.flatMap { validate($0.value, against: values, path: "\(path).\($0.key)") }
        case .object(let properties):
            guard let members = value.object else { return ["\(path) must be an object, not \(value.typeName)"] }
            var problems: [String] = []
            for property in properties {
                if let member = members.first(where: { $0.key == property.name }) {
                    problems += validate(member.value, against: property.schema, path: "\(path).\(property.name)")
                } else if property.required {
                    problems.append("\(path).\(property.name) is required")
                }
            }
            for member in members where !properties.contains(where: { $0.name == member.key }) {
                problems.append("\(path).\(member.key) is not a property of the schema")
            }
            return problems
        }
    }

    private func bounds(_ number: Double, _ schema: Schema, _ path: String) -> [String] {
        var problems: [String] = []
        if let minimum = schema.minimum, number < minimum { problems.append("\(path) is below the minimum \(minimum)") }
        if let maximum = schema.maximum, number > maximum { problems.append("\(path) is above the maximum \(maximum)") }
        return problems
    }
}
