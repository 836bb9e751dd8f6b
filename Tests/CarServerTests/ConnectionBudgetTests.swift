import Testing
@testable import CarServer

/// The descriptor budget shared by the WebSocket and HTTP listeners and the MCP sessions.
@Suite("transport: connection budget")
struct ConnectionBudgetTests {
    @Test func theSplitNeverSpendsMoreThanTheTotal() {
        for total in [2, 3, 8, 16, 100, 1000, 4096, 16_384] {
            let split = ConnectionBudget.split(total: total)
            // A WebSocket connection may hold two descriptors; an HTTP connection and an MCP
            // session one each.
            #expect(2 * split.webSocket + split.http + split.sessions <= 2 * total, "\(total): \(split)")
            #expect(split.webSocket >= total / 2 && split.http >= 1 && split.http <= 1024, "\(total): \(split)")
        }
        // At the 1,024-descriptor default soft limit: 496 connections in all.
        let common = ConnectionBudget.split(total: ConnectionBudget.connections(forDescriptors: 1024))
        #expect(common.webSocket == 372 && common.http == 124 && common.sessions == 124)
    }
}
