import CarJSON
import Testing
@testable import CarRPC

/// The request path classifies an envelope from the parser's ordered members; batches and
/// everything else go through the dictionary form. Both must agree on every message.
@Suite("JSON-RPC envelope classification")
struct RPCInboundTests {
    private static let messages = [
        #"{"jsonrpc":"2.0","id":1,"method":"server.ping","params":null}"#,
        #"{"jsonrpc":"2.0","id":"a","method":"m","params":[1]}"#,
        #"{"jsonrpc":"2.0","method":"note","params":{"x":1}}"#,
        #"{"jsonrpc":"2.0","id":2,"result":{"ok":true}}"#,
        #"{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no","data":5}}"#,
        #"{"jsonrpc":"2.0","id":3,"error":{"code":"x"}}"#,
        #"{"jsonrpc":"1.0","id":4,"method":"m"}"#,
        #"{"id":5,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":true,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":6,"method":7}"#,
        #"{"jsonrpc":"2.0","id":7,"method":"m","params":3}"#,
        #"{"jsonrpc":"2.0","id":8}"#,
        #"{"jsonrpc":"2.0"}"#,
        #"{"jsonrpc":"2.0","id":9,"method":"first","method":"second"}"#,
        #"{"jsonrpc":"2.0","id":null,"method":"m"}"#,
    ]

    @Test(arguments: messages)
    func membersAndDictionaryClassifyAlike(_ text: String) throws {
        guard case .object(let members) = try JSONParser.parseDocument(Array(text.utf8)) else {
            Issue.record("expected an object")
            return
        }
        #expect(describe(RPCInbound(members: members)) == describe(RPCInbound(try JSONParser.parse(text))))
    }

    @Test func aRepeatedKeyKeepsItsLastValue() throws {
        guard case .object(let members) = try JSONParser.parseDocument(Array(#"{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}"#.utf8)),
              case .request(_, let method, _) = RPCInbound(members: members) else {
            Issue.record("expected a request")
            return
        }
        #expect(method == "b")
    }

    private func describe(_ inbound: RPCInbound) -> String {
        switch inbound {
        case .request(let id, let method, let params): "request \(id) \(method) \(String(describing: params))"
        case .notification(let method, let params): "notification \(method) \(String(describing: params))"
        case .response(let id, let outcome): "response \(id) \(outcome)"
        case .invalid(let id, let error): "invalid \(String(describing: id)) \(error)"
        }
    }
}
