@testable import CarA2UI
import CarJSON
import Testing

@Suite struct A2UIComponentCheckerTests {
    static func text(_ value: JSONValue) -> [String: JSONValue] {
        ["id": "t", "component": "Text", "text": value]
    }

    /// A TextField whose one check has `condition`.
    static func checked(_ condition: JSONValue) -> [String: JSONValue] {
        ["id": "f", "component": "TextField", "label": "Name", "checks": [["condition": condition, "message": "m"]]]
    }

    static func button(_ action: JSONValue) -> [String: JSONValue] {
        ["id": "b", "component": "Button", "child": "label", "action": action]
    }

    /// `depth` formatString calls, each the value of the one around it.
    static func nestedCalls(_ depth: Int) -> JSONValue {
        var value: JSONValue = "x"
        for _ in 0..<depth { value = ["call": "formatString", "args": ["value": value]] }
        return value
    }

    @Test func answersIDAndLinks() throws {
        var checker = A2UIComponentChecker(catalog: .basic)
        let (id, links) = try checker.check(["id": "m", "component": "Modal", "trigger": "open", "content": "sheet"])
        #expect(id == "m")
        #expect(links == [A2UILink(target: "sheet", path: "/content"), A2UILink(target: "open", path: "/trigger")])
        let (_, children) = try checker.check(["id": "c", "component": "Column", "children": ["a", "b"]])
        #expect(children.map(\.path) == ["/children/0", "/children/1"])
        let (_, template) = try checker.check(["id": "l", "component": "List", "children": ["componentId": "item", "path": "items"]])
        #expect(template == [A2UILink(target: "item", path: "/children/componentId")])
        let (_, tabs) = try checker.check(["id": "t", "component": "Tabs", "tabs": [["title": "A", "child": "a"], ["title": "B", "child": "b"]]])
        #expect(tabs.map(\.path) == ["/tabs/0/child", "/tabs/1/child"])
    }

    @Test func commonPropertiesOnEveryComponent() {
        #expect(checkerRefusal(["id": "d", "component": "Divider", "weight": 2, "accessibility": ["label": "x", "custom": true]]) == nil)
        #expect(checkerRefusal(["id": "d", "component": "Divider", "weight": 0.5]) == nil)
        #expect(checkerRefusal(["id": "d", "component": "Divider", "weight": "3"])?.path == "/weight")
        #expect(checkerRefusal(["id": "d", "component": "Divider", "accessibility": ["label": 3]])?.path == "/accessibility/label")
    }

    @Test func componentShapes() {
        #expect(checkerRefusal(["id": 5, "component": "Text", "text": "a"])?.path == "/id")
        #expect(checkerRefusal(["id": "x", "component": 5])?.path == "/component")
        #expect(checkerRefusal(["id": "x", "component": "Blink"])?.kind == .unsupportedComponent)
        #expect(checkerRefusal(["id": "x", "component": "Tabs", "tabs": []])?.path == "/tabs")
        #expect(checkerRefusal(["id": "x", "component": "Tabs", "tabs": [["child": "a"]]])?.path == "/tabs/0/title")
        #expect(checkerRefusal(["id": "x", "component": "Slider", "value": 1])?.path == "/max")
        #expect(checkerRefusal(["id": "x", "component": "Slider", "value": 1, "max": ["path": "/m"]])?.path == "/max")
        #expect(checkerRefusal(["id": "x", "component": "Slider", "value": 1, "max": 10, "min": 20]) == nil)
        #expect(checkerRefusal(["id": "x", "component": "Button", "child": "l"])?.path == "/action")
        #expect(checkerRefusal(["id": "x", "component": "ChoicePicker", "options": [["label": "A", "value": 1]], "value": ["a"]])?.path
            == "/options/0/value")
        #expect(checkerRefusal(["id": "x", "component": "CheckBox", "label": "L", "value": "yes"])?.path == "/value")
        #expect(checkerRefusal(["id": "x", "component": "CheckBox", "label": "L", "value": ["path": "/ok"]]) == nil)
        #expect(checkerRefusal(["id": "x", "component": "Column", "children": "a"])?.path == "/children")
        #expect(checkerRefusal(["id": "x", "component": "Column", "children": [1]])?.path == "/children/0")
        #expect(checkerRefusal(["id": "x", "component": "Column", "children": ["componentId": "a"]])?.path == "/children/path")
        #expect(checkerRefusal(["id": "x", "component": "Column", "children": ["componentId": "a", "path": "/p", "x": 1]])?.path == "/children/x")
        #expect(checkerRefusal(["id": "x", "component": "Text", "text": "${shout()}"]) == nil)
    }

    @Test func icons() {
        #expect(checkerRefusal(["id": "i", "component": "Icon", "name": "home"]) == nil)
        #expect(checkerRefusal(["id": "i", "component": "Icon", "name": ["svgPath": "M0 0"]]) == nil)
        #expect(checkerRefusal(["id": "i", "component": "Icon", "name": ["path": "/icon"]]) == nil)
        #expect(checkerRefusal(["id": "i", "component": "Icon", "name": "house"])?.path == "/name")
        #expect(checkerRefusal(["id": "i", "component": "Icon", "name": ["call": "formatString", "args": ["value": "home"]]])?.kind
            == .invalidComponent)
    }

    @Test func bindings() {
        #expect(checkerRefusal(Self.text(["path": "/a"])) == nil)
        #expect(checkerRefusal(Self.text(["path": "a"])) == nil)
        #expect(checkerRefusal(Self.text(["path": "/a", "x": 1]))?.path == "/text/x")
        #expect(checkerRefusal(Self.text([:]))?.path == "/text/path")
        #expect(checkerRefusal(Self.text(nil))?.path == "/text")
        #expect(checkerRefusal(Self.text(5))?.path == "/text")
    }

    // MARK: Function calls

    @Test func unknownFunctionIsRefused() {
        let error = checkerRefusal(Self.text(["call": "shout", "args": ["value": "x"]]))
        #expect(error?.kind == .invalidComponent)
        #expect(error?.path == "/text/call")
        #expect(checkerRefusal(Self.text(["call": "formatString", "args": ["value": ["call": "shout", "args": [:]]]]))?.path
            == "/text/args/value/call")
        #expect(checkerRefusal(Self.text(["call": 3, "args": [:]]))?.path == "/text/call")
    }

    @Test func argumentsAreChecked() {
        #expect(checkerRefusal(Self.text(["call": "formatString", "args": [:]]))?.path == "/text/args/value")
        #expect(checkerRefusal(Self.text(["call": "formatString"]))?.path == "/text/args")
        #expect(checkerRefusal(Self.text(["call": "formatString", "args": "x"]))?.path == "/text/args")
        #expect(checkerRefusal(Self.text(["call": "formatString", "args": ["value": "x", "x": 1]]))?.path == "/text/args/x")
        #expect(checkerRefusal(Self.text(["call": "formatString", "args": ["value": "x"], "extra": 1]))?.path == "/text/extra")
        #expect(checkerRefusal(Self.text(["call": "formatCurrency", "args": ["value": 1]]))?.path == "/text/args/currency")
        #expect(checkerRefusal(Self.text(["call": "formatCurrency", "args": ["value": 1, "currency": "EUR"]])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "and", "args": ["values": [true]]]))?.path == "/checks/0/condition/args/values")
        #expect(checkerRefusal(Self.checked(["call": "and", "args": ["values": [true, ["path": "/ok"]]]])) == nil)
        #expect(checkerRefusal(Self.button(["functionCall": ["call": "openUrl", "args": ["url": ["path": "/u"]]]]))?.path
            == "/action/functionCall/args/url")
    }

    /// The schema's anyOf(min, max) is not enforced by the official validator (VALIDATOR-FACTS:
    /// `length` with only value is accepted), so neither is it here.
    @Test func lengthAndNumericTakeTheirBoundsOptionally() {
        let value: JSONValue = ["path": "/name"]
        #expect(checkerRefusal(Self.checked(["call": "length", "args": ["value": value]])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "length", "args": ["value": value, "min": 1]])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "length", "args": ["value": value, "max": 10]])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "length", "args": ["value": value, "min": 1, "max": 10]])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "length", "args": ["value": value, "min": -1]]))?.path == "/checks/0/condition/args/min")
        #expect(checkerRefusal(Self.checked(["call": "length", "args": ["value": value, "min": 1.5]]))?.path == "/checks/0/condition/args/min")
        #expect(checkerRefusal(Self.checked(["call": "length", "args": ["value": value, "min": 2.0]])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "numeric", "args": ["value": 1]])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "numeric", "args": ["value": 1, "max": 2.5]])) == nil)
    }

    @Test func explicitReturnTypeMustFitTheSlot() {
        let call: (JSONValue) -> JSONValue = { ["call": "formatString", "args": ["value": "x"], "returnType": $0] }
        #expect(checkerRefusal(Self.text(["call": "formatString", "args": ["value": "x"]])) == nil)
        #expect(checkerRefusal(Self.text(call("string"))) == nil)
        for wrong: JSONValue in ["boolean", "number", "any", "text", 3] {
            let error = checkerRefusal(Self.text(call(wrong)))
            #expect(error?.kind == .invalidComponent, "\(wrong)")
            #expect(error?.path == "/text/returnType", "\(wrong)")
        }
        // The function's own return type is not held to the slot, only a stated one.
        #expect(checkerRefusal(Self.text(["call": "required", "args": ["value": 1], "returnType": "string"])) == nil)
        #expect(checkerRefusal(Self.checked(["call": "required", "args": ["value": 1], "returnType": "string"]))?.path
            == "/checks/0/condition/returnType")
        #expect(checkerRefusal(Self.checked(["call": "required", "args": ["value": 1], "returnType": "boolean"])) == nil)
        // A slot that takes any value takes any known return type, and no unknown one.
        let context: (JSONValue) -> JSONValue = { ["event": ["name": "go", "context": ["v": ["call": "formatString", "args": ["value": "x"],
                                                                                                 "returnType": $0]]]] }
        #expect(checkerRefusal(Self.button(context("number"))) == nil)
        #expect(checkerRefusal(Self.button(context("bogus")))?.path == "/action/event/context/v/returnType")
    }

    @Test func callNestingDeeperThanFiveIsRefused() throws {
        #expect(checkerRefusal(Self.text(Self.nestedCalls(5))) == nil)
        let error = checkerRefusal(Self.text(Self.nestedCalls(6)))
        #expect(error?.kind == .limitExceeded)
        #expect(error?.path.hasPrefix("/text/args/value") == true)
        // A checker that refused keeps no depth behind: the next component starts from zero.
        var checker = A2UIComponentChecker(catalog: .basic)
        #expect(throws: A2UIError.self) { _ = try checker.check(Self.text(Self.nestedCalls(6))) }
        _ = try checker.check(Self.text(Self.nestedCalls(5)))
        _ = try checker.check(Self.text(Self.nestedCalls(5)))
    }

    /// `depth` not calls around `true`.
    static func nots(_ depth: Int) -> JSONValue {
        var value: JSONValue = true
        for _ in 0..<depth { value = ["call": "not", "args": ["value": value]] }
        return value
    }

    @Test func callsInSiblingArgumentsDoNotAddUp() {
        // and → 4 nots is 5 deep in each branch, whatever the number of branches (validator: accept).
        #expect(checkerRefusal(Self.checked(["call": "and", "args": ["values": [Self.nots(4), Self.nots(4), Self.nots(4)]]])) == nil)
        // and → 5 nots is 6 (validator: "functionCall depth > 5").
        #expect(checkerRefusal(Self.checked(["call": "and", "args": ["values": [Self.nots(5), true]]]))?.kind == .limitExceeded)
    }

    /// `required` takes any value, but a function call inside it is still a call: the validator
    /// refuses an unknown function there, a call missing its args, and nesting past 5.
    @Test func callsInsideRequiredAreChecked() {
        let required: (JSONValue) -> JSONValue = { ["call": "required", "args": ["value": $0]] }
        #expect(checkerRefusal(Self.checked(required(Self.nestedCalls(4)))) == nil)
        #expect(checkerRefusal(Self.checked(required(["x": 1]))) == nil)
        #expect(checkerRefusal(Self.checked(required(["call": "shout", "args": [:]])))?.kind == .invalidComponent,
                "unknown function inside required's value")
        #expect(checkerRefusal(Self.checked(required(["call": "formatString", "args": [:]])))?.kind == .invalidComponent,
                "call without its required arg inside required's value")
        #expect(checkerRefusal(Self.checked(required(Self.nestedCalls(5))))?.kind == .limitExceeded,
                "required → 5 formatString is 6 calls deep")
    }

    @Test func callsInEventContextAreChecked() {
        #expect(checkerRefusal(Self.button(["event": ["name": "go", "context": ["v": ["call": "shout", "args": [:]]]]]))?.path
            == "/action/event/context/v/call")
    }

    // MARK: Actions

    @Test func actionShapes() {
        #expect(checkerRefusal(Self.button(["event": ["name": "go"]])) == nil)
        #expect(checkerRefusal(Self.button(["event": ["name": ""]])) == nil)
        #expect(checkerRefusal(Self.button(["event": ["name": "go", "context": ["a": "lit", "b": 1, "c": [1, 2], "d": ["path": "/x"],
                                                                                 "e": true]]])) == nil)
        #expect(checkerRefusal(Self.button(["functionCall": ["call": "openUrl", "args": ["url": "https://example.com"]]])) == nil)
        #expect(checkerRefusal(Self.button(["functionCall": ["call": "openUrl", "args": ["url": "https://example.com"], "returnType": "void"]]))
            == nil)

        #expect(checkerRefusal(Self.button(["event": [:]]))?.path == "/action/event/name")
        #expect(checkerRefusal(Self.button(["event": ["name": 3]]))?.path == "/action/event/name")
        #expect(checkerRefusal(Self.button(["event": ["name": "go", "x": 1]]))?.path == "/action/event/x")
        #expect(checkerRefusal(Self.button(["event": "go"]))?.path == "/action/event")
        #expect(checkerRefusal(Self.button(["event": ["name": "go", "context": "c"]]))?.path == "/action/event/context")
        #expect(checkerRefusal(Self.button(["event": ["name": "go", "context": ["v": ["x": 1]]]]))?.path == "/action/event/context/v/x")
        #expect(checkerRefusal(Self.button(["event": ["name": "go"], "functionCall": ["call": "openUrl", "args": ["url": "u"]]]))?.path
            == "/action")
        #expect(checkerRefusal(Self.button("go"))?.path == "/action")
        #expect(checkerRefusal(Self.button([:]))?.path == "/action")
        #expect(checkerRefusal(Self.button(["other": 1]))?.path == "/action")
        #expect(checkerRefusal(Self.button(["functionCall": ["call": "launch", "args": [:]]]))?.path == "/action/functionCall/call")
        #expect(checkerRefusal(Self.button(["functionCall": "openUrl"]))?.path == "/action/functionCall")
    }

    @Test func checkRules() {
        #expect(checkerRefusal(Self.checked(true)) == nil)
        #expect(checkerRefusal(Self.checked(["path": "/ok"])) == nil)
        #expect(checkerRefusal(["id": "f", "component": "TextField", "label": "L", "checks": [["condition": true]]])?.path == "/checks/0/message")
        #expect(checkerRefusal(["id": "f", "component": "TextField", "label": "L", "checks": [["condition": true, "message": "m", "level": 1]]])?.path
            == "/checks/0/level")
    }

    @Test func dateTimeBounds() {
        let input: (JSONValue) -> [String: JSONValue] = { ["id": "d", "component": "DateTimeInput", "value": ["path": "/when"], "min": $0] }
        #expect(checkerRefusal(input("2026-01-31")) == nil)
        #expect(checkerRefusal(input("2026-01-31T14:30:00Z")) == nil)
        #expect(checkerRefusal(input(["path": "/min"])) == nil)
        // A string bound is not parsed (the official validator accepts "tomorrow" too).
        #expect(checkerRefusal(input("tomorrow")) == nil)
        #expect(checkerRefusal(input(5))?.path == "/min")
    }
}
