import CarJSON
import Testing
@testable import CarA2A

/// The agent card: the SDK server's structure, so both of its clients accept it.
@Suite struct A2ACardTests {
    @Test func theCardAdvertisesBothVersionsAndTheLegacyMembers() async {
        let dispatcher = CoreFixtures.dispatcher()
        let card = await dispatcher.agentCard()
        let url: JSONValue = "http://127.0.0.1:9103/a2a"
        #expect(card["supportedInterfaces"] == [["url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"],
                                                ["url": url, "protocolBinding": "JSONRPC", "protocolVersion": "0.3.0"]])
        #expect(card["url"] == url)
        #expect(card["protocolVersion"] == "0.3.0")
        #expect(card["preferredTransport"] == "JSONRPC")
        #expect(card["capabilities"] == ["streaming": true, "pushNotifications": false])
        #expect(card["name"] == "Common Agent Runtime")
        #expect(card["provider"] == ["organization": "Parslee", "url": "https://parslee.ai"])
        #expect(card["securitySchemes"] == ["bearer": ["httpAuthSecurityScheme": ["scheme": "Bearer"], "scheme": "Bearer", "type": "http"]])
        #expect(card["securityRequirements"] == [["schemes": ["bearer": [:]]]])
        #expect(card["security"] == [["bearer": []]])
        let skills = card["skills"]?.arrayValue ?? []
        #expect(skills.compactMap { $0["id"]?.stringValue } == ["echo", "fail", "chat"])
        #expect(skills[1]["description"] == "Runs the tool fail.", "a skill always has a description")
        #expect(skills[0]["tags"] == ["tool"])
    }

    @Test func withoutABearerThereAreNoSecurityMembers() async {
        var info = CoreFixtures.info
        info.requiresBearer = false
        let card = await A2ADefaultCardSource().card(info: info, tools: [A2ATool(name: "chat", description: "a tool named chat")])
        #expect(card["securitySchemes"] == nil)
        #expect(card["security"] == nil)
        #expect(card["securityRequirements"] == nil)
        #expect(card["skills"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["chat", "chat.conversation"])
    }
}
