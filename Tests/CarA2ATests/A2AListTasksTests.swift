import CarJSON
import Testing
@testable import CarA2A

/// ListTasks: newest first, keyset pages, the page size bounds, filters and what each task shows.
@Suite struct A2AListTasksTests {
    typealias F = CoreFixtures

    /// Five tasks through the dispatcher, sent in order (the stepping clock makes each newer).
    private func fiveTasks() async throws -> (A2ADispatcher, [String]) {
        let dispatcher = F.dispatcher()
        var ids: [String] = []
        for index in 0..<5 {
            let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo", ["i": .int(Int64(index))])])))
            ids.append(task.id)
        }
        return (dispatcher, ids)
    }

    @Test func pagesRunNewestFirstAndTheLastSaysSoWithAnEmptyToken() async throws {
        let (dispatcher, ids) = try await fiveTasks()
        var seen: [String] = []
        var token: JSONValue = ""
        var pages = 0
        repeat {
            var params: [String: JSONValue] = ["pageSize": 2]
            if token != "" { params["pageToken"] = token }
            let page = try await dispatcher.call(.listTasks, version: .v1_0, params: .object(params))
            #expect(page["pageSize"] == 2)
            #expect(page["totalSize"] == 5)
            seen += page["tasks"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            token = try #require(page["nextPageToken"], "nextPageToken is always present")
            pages += 1
        } while token != "" && pages < 10
        #expect(pages == 3)
        #expect(seen == ids.reversed())
    }

    @Test func theDefaultPageHoldsFiftyAndAnEmptyListSaysSo() async throws {
        let dispatcher = F.dispatcher()
        let empty = try await dispatcher.call(.listTasks, version: .v1_0, params: [:])
        #expect(empty == ["tasks": [], "nextPageToken": "", "pageSize": 50, "totalSize": 0])
    }

    @Test func pageSizesOutsideOneToAHundredAndBadTokensAreRefused() async throws {
        let dispatcher = F.dispatcher()
        for (params, message) in [(["pageSize": 0], "pageSize: minimum page size is 1"), (["pageSize": 101], "pageSize: maximum page size is 100"),
                                  (["pageToken": "%%%"], "pageToken: Token is not a valid base64-encoded cursor."),
                                  (["historyLength": -1], "historyLength: history length must be non-negative")] as [(JSONValue, String)] {
            let error = await a2aError { () throws(A2AError) in try await dispatcher.call(.listTasks, version: .v1_0, params: params) }
            #expect(error?.code == -32602)
            #expect(error?.message == message)
        }
        let hundred = try await dispatcher.call(.listTasks, version: .v1_0, params: ["pageSize": 100])
        #expect(hundred["pageSize"] == 100)
    }

    @Test func artifactsOnlyWhenAskedAndHistoryTrimmed() async throws {
        let (dispatcher, _) = try await fiveTasks()
        let plain = try await dispatcher.call(.listTasks, version: .v1_0, params: ["pageSize": 1])
        #expect(plain["tasks"]?[0]?["artifacts"] == nil)
        #expect(plain["tasks"]?[0]?["history"]?.arrayValue?.count == 1)
        let full = try await dispatcher.call(.listTasks, version: .v1_0, params: ["pageSize": 1, "includeArtifacts": true, "historyLength": 0])
        #expect(full["tasks"]?[0]?["artifacts"]?[0]?["parts"]?[0] == ["data": ["i": 4]])
        #expect(full["tasks"]?[0]?["history"] == nil)
    }

    @Test func filtersNarrowTheListAndTheTotal() async throws {
        let store = InMemoryA2ATaskStore()
        for (index, (context, state)) in [("a", A2ATaskState.completed), ("a", .failed), ("b", .completed), ("a", .completed)].enumerated() {
            try await store.save(A2ATask(id: "t\(index)", contextID: context, status: A2ATaskStatus(state: state, timestamp: Int64(index) * 1_000_000)))
        }
        let dispatcher = F.dispatcher(store: store)
        let inA = try await dispatcher.call(.listTasks, version: .v1_0, params: ["contextId": "a", "status": "TASK_STATE_COMPLETED"])
        #expect(inA["tasks"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["t3", "t0"])
        #expect(inA["totalSize"] == 2)
        let recent = try await dispatcher.call(.listTasks, version: .v1_0, params: ["statusTimestampAfter": "1970-01-01T00:00:02Z"])
        #expect(recent["tasks"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["t3", "t2"], "at or after, as the SDK compares")
    }

    @Test func aTokenStaysValidWhenTheTaskItNamesChanges() async throws {
        let store = InMemoryA2ATaskStore()
        for index in 0..<4 {
            try await store.save(A2ATask(id: "t\(index)", contextID: "c", status: A2ATaskStatus(state: .completed, timestamp: Int64(index))))
        }
        let first = try await store.list(A2ATaskQuery(pageSize: 2))
        #expect(first.tasks.map(\.id) == ["t3", "t2"])
        // t2 is updated (moves to the top): the next page still starts below where it was.
        try await store.save(A2ATask(id: "t2", contextID: "c", status: A2ATaskStatus(state: .completed, timestamp: 10)))
        let second = try await store.list(A2ATaskQuery(pageSize: 2, pageToken: first.nextPageToken))
        #expect(second.tasks.map(\.id) == ["t1", "t0"])
        #expect(second.nextPageToken == "")
    }

    @Test func tasksUpdatedAtTheSameTimeAreListedByIDDescendingAcrossPages() async throws {
        let store = InMemoryA2ATaskStore()
        // Saved out of order, some twice, at one time but for t9.
        for id in ["t4", "t1", "t9", "t3", "t0", "t2", "t1", "t4"] {
            try await store.save(A2ATask(id: id, contextID: "c", status: A2ATaskStatus(state: .completed, timestamp: id == "t9" ? 5 : 7)))
        }
        var seen: [String] = []
        var token: String?
        for _ in 0..<10 {
            let page = try await store.list(A2ATaskQuery(pageSize: 2, pageToken: token))
            #expect(page.totalSize == 6)
            seen += page.tasks.map(\.id)
            if page.nextPageToken.isEmpty { break }
            token = page.nextPageToken
        }
        #expect(seen == ["t4", "t3", "t2", "t1", "t0", "t9"])
    }
}
