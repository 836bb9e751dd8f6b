import CarRPC
// TEMPORARY until the generated table lands.
enum MCPTools { static let all: [MCPToolDescriptor] = [] }
