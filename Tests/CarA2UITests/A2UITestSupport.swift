@testable import CarA2UI
import CarJSON
import Synchronization
import Testing

/// Envelope builders, a movable clock and the "refused and nothing changed" check the A2UI
/// tests share.
enum A2UIFixtures {
    static let basic = A2UICatalog.basicID
    static let car = A2UICatalog.carID

    static func create(_ id: String, catalog: String = basic) -> JSONValue {
        ["version": "v0.9", "createSurface": ["surfaceId": .string(id), "catalogId": .string(catalog)]]
    }

    static func components(_ id: String, _ list: [JSONValue]) -> JSONValue {
        ["version": "v0.9", "updateComponents": ["surfaceId": .string(id), "components": .array(list)]]
    }

    /// `updateDataModel`; a nil path or value leaves the key out.
    static func data(_ id: String, path: String?, value: JSONValue?) -> JSONValue {
        var body: [String: JSONValue] = ["surfaceId": .string(id)]
        if let path { body["path"] = .string(path) }
        if let value { body["value"] = value }
        return ["version": "v0.9", "updateDataModel": .object(body)]
    }

    static func delete(_ id: String) -> JSONValue {
        ["version": "v0.9", "deleteSurface": ["surfaceId": .string(id)]]
    }

    static func text(_ id: String, _ text: String = "t") -> JSONValue {
        ["id": .string(id), "component": "Text", "text": .string(text)]
    }

    static func column(_ id: String, _ children: [String]) -> JSONValue {
        ["id": .string(id), "component": "Column", "children": .array(children.map { .string($0) })]
    }

    static func card(_ id: String, _ child: String) -> JSONValue {
        ["id": .string(id), "component": "Card", "child": .string(child)]
    }

    static func limits(_ change: (inout A2UILimits) -> Void) -> A2UILimits {
        var limits = A2UILimits()
        change(&limits)
        return limits
    }
}

/// Microseconds since the epoch, moved by hand.
final class TestClock: Sendable {
    private let value: Mutex<Int64>

    init(_ start: Int64 = 1_700_000_000_000_000) {
        value = Mutex(start)
    }

    var now: Int64 { value.withLock { $0 } }

    func advance(seconds: Double) {
        value.withLock { $0 += Int64(seconds * 1_000_000) }
    }

    func store(_ limits: A2UILimits = A2UILimits()) -> A2UISurfaceStore {
        A2UISurfaceStore(limits: limits, clock: { self.now })
    }
}

/// Everything a reader can see of the store: every live surface, encoded (the clock is held
/// still by the tests, so equal snapshots mean nothing changed).
func snapshot(_ store: A2UISurfaceStore) -> [String] {
    store.surfaces().map { JSONWriter.string($0.json) }
}

/// A well-formed JSON Pointer into the message ("" names the whole message).
func isPointer(_ path: String) -> Bool {
    (path.isEmpty || path.hasPrefix("/")) && A2UIPointer.isWellFormed(path)
}

/// Applies `envelope`, expecting a refusal of `kind` (at `path`, when given) that changes nothing.
@discardableResult
func expectRefusal(_ store: A2UISurfaceStore, _ envelope: JSONValue, _ kind: A2UIError.Kind, path: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) -> A2UIError? {
    let before = snapshot(store)
    do {
        let result = try store.apply(envelope, owner: nil)
        Issue.record("accepted, expected \(kind.rawValue): \(JSONWriter.string(result.json))", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        #expect(isPointer(error.path), "path \"\(error.path)\" is not a JSON Pointer", sourceLocation: sourceLocation)
        if let path { #expect(error.path == path, "\(error)", sourceLocation: sourceLocation) }
        #expect(snapshot(store) == before, "a refused message changed the store", sourceLocation: sourceLocation)
        return error
    }
}

/// Checks one component against a catalog; the refusal, or nil when it is accepted.
func checkerRefusal(_ component: [String: JSONValue], catalog: A2UICatalog = .basic) -> A2UIError? {
    var checker = A2UIComponentChecker(catalog: catalog)
    do {
        _ = try checker.check(component)
        return nil
    } catch {
        return error
    }
}
