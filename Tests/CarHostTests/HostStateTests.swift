import Testing
@testable import CarHost
