import CarJSON

/// A reference from one component to another, found while checking it: the structural links
/// the tree checks (root, dangling, cycles, depth) walk.
public struct A2UILink: Sendable, Equatable {
    public let target: String
    /// The property it sits in, as a JSON Pointer inside the component ("/children/2").
    public let path: String
}

/// Checks components against one catalog: names, properties and their types, the function
/// calls in bindings. What it cannot see alone (other components) is returned as links.
public struct A2UIComponentChecker: Sendable {
    public let catalog: A2UICatalog
    /// How deep function calls may nest in their arguments.
    static let maxCallDepth = 5
    static let returnTypes: Set = ["string", "number", "boolean", "array", "object", "any", "void"]
    /// Calls open on the way down (a checker checks one component at a time).
    private var callDepth = 0

    public init(catalog: A2UICatalog) {
        self.catalog = catalog
    }

    /// Checks one component; answers its id and the ids it refers to.
    public mutating func check(_ component: [String: JSONValue]) throws(A2UIError) -> (id: String, links: [A2UILink]) {
        guard let idValue = component["id"] else {
            throw A2UIError(.invalidComponent, "a component has no id", path: "/id")
        }
        guard let id = idValue.stringValue, !id.isEmpty else {
            throw A2UIError(.invalidComponent, "a component id must be a non-empty string", path: "/id")
        }
        guard let nameValue = component["component"] else {
            throw A2UIError(.invalidComponent, "component \"\(id)\" names no component type", path: "/component")
        }
        guard let name = nameValue.stringValue else {
            throw A2UIError(.invalidComponent, "component \"\(id)\": component must be a string", path: "/component")
        }
        guard let type = catalog.components[name] else {
            throw A2UIError(.unsupportedComponent, "component \"\(id)\" is a \(name), which catalog \(catalog.id) does not have",
                            path: "/component")
        }
        var links: [A2UILink] = []
        for key in component.keys.sorted() where key != "id" && key != "component" {
            guard let propertyType = type.properties[key] else {
                throw A2UIError(.invalidComponent, "\(name) \"\(id)\" has no property \"\(key)\"", path: "/" + A2UIPointer.escape(key))
            }
            do {
                try check(component[key]!, propertyType, path: "/" + A2UIPointer.escape(key), links: &links)
            } catch {
                throw A2UIError(error.kind, "\(name) \"\(id)\": \(error.message)", path: error.path)
            }
        }
        if let missing = type.required.sorted().first(where: { component[$0] == nil }) {
            throw A2UIError(.invalidComponent, "\(name) \"\(id)\" lacks its required property \"\(missing)\"", path: "/" + missing)
        }
        return (id, links)
    }

    private mutating func check(_ value: JSONValue, _ type: A2UIValueType, path: String, links: inout [A2UILink]) throws(A2UIError) {
        func wrong(_ expected: String) -> A2UIError {
            A2UIError(.invalidComponent, "\(path.dropFirst()) must be \(expected), not \(value.typeName)", path: path)
        }
        switch type {
        case .any:
            // Anything, but a function call in it is still a call of the catalog's (the
            // validator checks those wherever they sit).
            if case .object(let object) = value, object["call"] != nil {
                try checkCall(object, returns: nil, path: path, links: &links)
            } else if value == .null {
                throw wrong("a value")
            }
        case .string:
            guard case .string = value else { throw wrong("a string") }
        case .number:
            guard value.doubleValue != nil else { throw wrong("a number") }
        case .integer(let minimum):
            guard let number = value.intValue else { throw wrong("an integer") }
            if let minimum, number < minimum {
                throw A2UIError(.invalidComponent, "\(path.dropFirst()) must be at least \(minimum)", path: path)
            }
        case .boolean:
            guard case .bool = value else { throw wrong("a boolean") }
        case .enumeration(let allowed):
            guard let text = value.stringValue, allowed.contains(text) else {
                throw A2UIError(.invalidComponent, "\(path.dropFirst()) must be one of \(allowed.joined(separator: ", ")); got \(JSONWriter.string(value))",
                                path: path)
            }
        case .dynamic(let literal, let returns):
            if case .object(let object) = value {
                try checkBindingOrCall(object, returns: returns, path: path, links: &links)
            } else if case .any = literal, value == .null {
                throw wrong("a literal, a {path} binding or a function call")
            } else {
                try check(value, literal, path: path, links: &links)
            }
        case .componentID:
            guard let target = value.stringValue else { throw wrong("a component id (string)") }
            links.append(A2UILink(target: target, path: path))
        case .childList:
            switch value {
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    guard let target = element.stringValue else {
                        throw A2UIError(.invalidComponent, "\(path.dropFirst())/\(index) must be a component id (string)", path: "\(path)/\(index)")
                    }
                    links.append(A2UILink(target: target, path: "\(path)/\(index)"))
                }
            case .object(let template):
                try closed(template, A2UIObjectType(["componentId": .componentID, "path": .string], required: ["componentId", "path"]),
                           path: path, links: &links)
            default:
                throw wrong("an array of component ids or a template {componentId, path}")
            }
        case .action:
            guard case .object(let object) = value, object.count == 1 else {
                throw wrong("an action: an object holding exactly one of event or functionCall")
            }
            if let event = object["event"] {
                guard case .object(let fields) = event else { throw A2UIError(.invalidComponent, "\(path.dropFirst())/event must be an object", path: path + "/event") }
                // `.any` for the context object itself: like the validator, an object holding `call`
                // is a function call wherever it sits; its entries are checked below.
                try closed(fields, A2UIObjectType(["name": .string, "context": .any], required: ["name"]), path: path + "/event", links: &links)
                if let context = fields["context"] {
                    guard case .object(let entries) = context else {
                        throw A2UIError(.invalidComponent, "\(path.dropFirst())/event/context must be an object", path: path + "/event/context")
                    }
                    for key in entries.keys.sorted() {
                        try check(entries[key]!, .dynamicValue, path: "\(path)/event/context/\(A2UIPointer.escape(key))", links: &links)
                    }
                }
            } else if let call = object["functionCall"] {
                try check(call, .functionCall(returns: nil), path: path + "/functionCall", links: &links)
            } else {
                throw wrong("an action: an object holding exactly one of event or functionCall")
            }
        case .functionCall(let returns):
            guard case .object(let object) = value else { throw wrong("a function call") }
            try checkCall(object, returns: returns, path: path, links: &links)
        case .array(let element, let minItems):
            guard case .array(let elements) = value else { throw wrong("an array") }
            guard elements.count >= minItems else {
                throw A2UIError(.invalidComponent, "\(path.dropFirst()) needs at least \(minItems) item(s)", path: path)
            }
            for (index, item) in elements.enumerated() {
                try check(item, element, path: "\(path)/\(index)", links: &links)
            }
        case .object(let objectType):
            guard case .object(let object) = value else { throw wrong("an object") }
            try closed(object, objectType, path: path, links: &links)
        case .icon(let names):
            switch value {
            case .string(let name):
                guard names.contains(name) else {
                    throw A2UIError(.invalidComponent, "\(path.dropFirst()) \"\(name)\" is not an icon of the catalog", path: path)
                }
            case .object(let object) where object["svgPath"] != nil:
                try closed(object, A2UIObjectType(["svgPath": .string], required: ["svgPath"]), path: path, links: &links)
            case .object(let object):
                try checkBindingOrCall(object, returns: nil, path: path, links: &links, allowCall: false)
            default:
                throw wrong("an icon name, {svgPath} or {path}")
            }
        }
    }

    /// `{path}` or a function call, in a Dynamic* slot.
    private mutating func checkBindingOrCall(_ object: [String: JSONValue], returns: String?, path: String, links: inout [A2UILink],
                                    allowCall: Bool = true) throws(A2UIError) {
        if object["call"] != nil, allowCall {
            try checkCall(object, returns: returns, path: path, links: &links)
            return
        }
        try closed(object, A2UIObjectType(["path": .string], required: ["path"]), path: path, links: &links)
    }

    private mutating func checkCall(_ object: [String: JSONValue], returns: String?, path: String, links: inout [A2UILink]) throws(A2UIError) {
        guard let name = object["call"]?.stringValue else {
            throw A2UIError(.invalidComponent, "\(path.dropFirst()) is a function call without a call name", path: path + "/call")
        }
        guard let function = catalog.functions[name] else {
            throw A2UIError(.invalidComponent, "\(path.dropFirst()) calls \(name), which catalog \(catalog.id) does not have", path: path + "/call")
        }
        if let extra = object.keys.sorted().first(where: { !["call", "args", "returnType"].contains($0) }) {
            throw A2UIError(.invalidComponent, "\(path.dropFirst()) has an unknown key \"\(extra)\"", path: "\(path)/\(A2UIPointer.escape(extra))")
        }
        // The validator holds an explicit returnType to the slot, not to the function.
        if let stated = object["returnType"] {
            guard let text = stated.stringValue, Self.returnTypes.contains(text), returns == nil || text == returns else {
                throw A2UIError(.invalidComponent, "\(path.dropFirst()) needs a \(returns ?? "value"); returnType \(JSONWriter.string(stated)) does not fit",
                                path: path + "/returnType")
            }
        }
        guard callDepth < Self.maxCallDepth else {
            throw A2UIError(.limitExceeded, "\(path.dropFirst()) nests function calls deeper than \(Self.maxCallDepth)", path: path)
        }
        callDepth += 1
        defer { callDepth -= 1 }
        guard let args = object["args"] else {
            throw A2UIError(.invalidComponent, "\(path.dropFirst()): \(name) takes args", path: path + "/args")
        }
        guard case .object(let fields) = args else {
            throw A2UIError(.invalidComponent, "\(path.dropFirst())/args must be an object", path: path + "/args")
        }
        try closed(fields, function.arguments, path: path + "/args", links: &links)
    }

    private mutating func closed(_ object: [String: JSONValue], _ type: A2UIObjectType, path: String, links: inout [A2UILink]) throws(A2UIError) {
        for key in object.keys.sorted() {
            guard let fieldType = type.properties[key] else {
                if type.open { continue }
                throw A2UIError(.invalidComponent, "\(path.dropFirst()) has an unknown key \"\(key)\"", path: "\(path)/\(A2UIPointer.escape(key))")
            }
            try check(object[key]!, fieldType, path: "\(path)/\(A2UIPointer.escape(key))", links: &links)
        }
        if let missing = type.required.sorted().first(where: { object[$0] == nil }) {
            throw A2UIError(.invalidComponent, "\(path.dropFirst()) lacks \"\(missing)\"", path: "\(path)/\(missing)")
        }
    }
}
