@testable import CarA2UI
import CarJSON
import Testing

@Suite struct A2UIMessageParserTests {
    typealias F = A2UIFixtures
    let parser = A2UIMessageParser(limits: A2UILimits())

    func refusal(_ value: JSONValue, parser: A2UIMessageParser? = nil) -> A2UIError? {
        do {
            _ = try (parser ?? self.parser).parse(value)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEachAction() throws {
        #expect(try parser.parse(F.create("s")) == .createSurface(A2UISurfaceHeader(surfaceID: "s", catalogID: F.basic, theme: nil,
                                                                                     sendDataModel: false)))
        #expect(try parser.parse(F.components("s", [F.text("root")]))
            == .updateComponents(surfaceID: "s", components: [["id": "root", "component": "Text", "text": "t"]]))
        #expect(try parser.parse(F.data("s", path: "/a", value: 1)) == .updateDataModel(surfaceID: "s", path: "/a", value: 1))
        #expect(try parser.parse(F.delete("s")) == .deleteSurface(surfaceID: "s"))
        #expect(try parser.parse(F.delete("s")).action == "deleteSurface")
        #expect(try parser.parse(F.components("s", [F.text("root")])).surfaceID == "s")
    }

    @Test func updateDataModelDefaultsAndAbsentValue() throws {
        // No path: the whole model; no value: a removal (nil), distinct from an explicit null.
        #expect(try parser.parse(F.data("s", path: nil, value: ["a": 1])) == .updateDataModel(surfaceID: "s", path: "/", value: ["a": 1]))
        #expect(try parser.parse(F.data("s", path: "/a", value: nil)) == .updateDataModel(surfaceID: "s", path: "/a", value: nil))
        #expect(try parser.parse(F.data("s", path: "/a", value: .null)) == .updateDataModel(surfaceID: "s", path: "/a", value: .null))
        #expect(refusal(["version": "v0.9", "updateDataModel": ["surfaceId": "s", "path": 3]])?.path == "/updateDataModel/path")
    }

    @Test func versions() throws {
        _ = try parser.parse(["version": "v0.9.1", "deleteSurface": ["surfaceId": "s"]])
        #expect(refusal(["deleteSurface": ["surfaceId": "s"]])?.path == "/version")
        for version: JSONValue in ["v0.8", "0.9", "v1.0", 9, .null] {
            let error = refusal(["version": version, "deleteSurface": ["surfaceId": "s"]])
            #expect(error?.kind == .invalidMessage)
            #expect(error?.path == "/version")
        }
    }

    @Test func exactlyOneAction() {
        let none = refusal(["version": "v0.9"])
        #expect(none?.kind == .invalidMessage)
        let two = refusal(["version": "v0.9", "createSurface": ["surfaceId": "s", "catalogId": .string(F.basic)],
                           "deleteSurface": ["surfaceId": "s"]])
        #expect(two?.kind == .invalidMessage)
        #expect(two?.message.contains("createSurface, deleteSurface") == true)
    }

    @Test func unknownKeysAreRefusedWithTheirPath() {
        #expect(refusal(["version": "v0.9", "deleteSurface": ["surfaceId": "s"], "extra": 1])?.path == "/extra")
        #expect(refusal(["version": "v0.9", "deleteSurface": ["surfaceId": "s"], "a/b": 1])?.path == "/a~1b")
        #expect(refusal(["version": "v0.9", "createSurface": ["surfaceId": "s", "catalogId": .string(F.basic), "foo": 1]])?.path
            == "/createSurface/foo")
        #expect(refusal(["version": "v0.9", "updateComponents": ["surfaceId": "s", "components": [F.text("r")], "foo": 1]])?.path
            == "/updateComponents/foo")
        #expect(refusal(["version": "v0.9", "updateDataModel": ["surfaceId": "s", "foo": 1]])?.path == "/updateDataModel/foo")
        #expect(refusal(["version": "v0.9", "deleteSurface": ["surfaceId": "s", "foo": 1]])?.path == "/deleteSurface/foo")
    }

    @Test func bodyShapes() {
        #expect(refusal("text")?.kind == .invalidMessage)
        #expect(refusal([1, 2])?.kind == .invalidMessage)
        #expect(refusal(["version": "v0.9", "createSurface": "s"])?.path == "/createSurface")
        #expect(refusal(["version": "v0.9", "createSurface": ["catalogId": .string(F.basic)]])?.path == "/createSurface/surfaceId")
        #expect(refusal(["version": "v0.9", "createSurface": ["surfaceId": 1, "catalogId": .string(F.basic)]])?.path == "/createSurface/surfaceId")
        #expect(refusal(["version": "v0.9", "createSurface": ["surfaceId": "s"]])?.path == "/createSurface/catalogId")
        #expect(refusal(["version": "v0.9", "createSurface": ["surfaceId": "s", "catalogId": 3]])?.path == "/createSurface/catalogId")
        #expect(refusal(["version": "v0.9", "deleteSurface": [:]])?.path == "/deleteSurface/surfaceId")
        #expect(refusal(["version": "v0.9", "updateComponents": ["surfaceId": "s"]])?.path == "/updateComponents/components")
        #expect(refusal(["version": "v0.9", "updateComponents": ["surfaceId": "s", "components": ["id": "x"]]])?.path
            == "/updateComponents/components")
        #expect(refusal(["version": "v0.9", "updateComponents": ["surfaceId": "s", "components": []]])?.path == "/updateComponents/components")
        let notObject = refusal(["version": "v0.9", "updateComponents": ["surfaceId": "s", "components": [F.text("a"), 7]]])
        #expect(notObject?.kind == .invalidComponent)
        #expect(notObject?.path == "/updateComponents/components/1")
        #expect(notObject?.surfaceID == "s")
    }

    @Test func surfaceIDsNeedNoSyntax() throws {
        _ = try parser.parse(F.create(""))
        _ = try parser.parse(F.create("with spaces / and ~ and ✨"))
    }

    @Test func themeAndSendDataModel() throws {
        let message = try parser.parse(["version": "v0.9", "createSurface": [
            "surfaceId": "s", "catalogId": .string(F.basic), "theme": ["primaryColor": "#ff00aa"], "sendDataModel": true,
        ]])
        guard case .createSurface(let header) = message else { Issue.record("not a createSurface"); return }
        #expect(header.theme == ["primaryColor": "#ff00aa"])
        #expect(header.sendDataModel)
        let nulls = try parser.parse(["version": "v0.9", "createSurface": [
            "surfaceId": "s", "catalogId": .string(F.basic), "theme": nil, "sendDataModel": nil,
        ]])
        #expect(nulls == .createSurface(A2UISurfaceHeader(surfaceID: "s", catalogID: F.basic, theme: nil, sendDataModel: false)))
        #expect(refusal(["version": "v0.9", "createSurface": ["surfaceId": "s", "catalogId": .string(F.basic), "theme": "dark"]])?.path
            == "/createSurface/theme")
        // Held to the schema's boolean (a known divergence from the validator's lax mode).
        for lax: JSONValue in ["yes", 1, "maybe", 2] {
            #expect(refusal(["version": "v0.9", "createSurface": ["surfaceId": "s", "catalogId": .string(F.basic), "sendDataModel": lax]])?.path
                == "/createSurface/sendDataModel")
        }
    }

    @Test func sizeLimitsComeFirst() {
        let tight = A2UIMessageParser(limits: F.limits { $0.maxMessageBytes = 40 })
        let big = refusal(F.components("s", [F.text("root", String(repeating: "a", count: 50))]), parser: tight)
        #expect(big?.kind == .limitExceeded)
        let many = A2UIMessageParser(limits: F.limits { $0.maxComponents = 2 })
        let error = refusal(F.components("s", [F.text("a"), F.text("b"), F.text("c")]), parser: many)
        #expect(error?.kind == .limitExceeded)
        #expect(error?.path == "/updateComponents/components")
    }

    @Test func everyPathKeyMustBeAPointer() {
        // A binding, a template and even a value in the data model: the validator checks them all.
        #expect(refusal(F.components("s", [["id": "t", "component": "Text", "text": ["path": "/a~2"]]]))?.kind == .invalidMessage)
        #expect(refusal(F.components("s", [["id": "l", "component": "List", "children": ["componentId": "i", "path": "~"]]]))?.kind
            == .invalidMessage)
        #expect(refusal(F.data("s", path: "/", value: ["nested": ["path": "~x"]]))?.kind == .invalidMessage)
        #expect(refusal(F.data("s", path: "/", value: ["@path": "a~"]))?.kind == .invalidMessage)
        #expect(refusal(F.data("s", path: "/a~2b", value: 1))?.kind == .invalidMessage)
        // Well-formed ones pass, relative, empty and with spaces included.
        for path in ["", "/", "//", "a/b", "/a~0b", "/a~1b", "/ a", "../a", "/é"] {
            #expect(refusal(F.data("s", path: path, value: 1)) == nil, "\(path)")
        }
        // A non-string "path" inside a data value is just data.
        #expect(refusal(F.data("s", path: "/", value: ["path": 3]))  == nil)
    }
}
