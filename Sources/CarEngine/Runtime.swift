// The runtime engine arrives with the runtime engine issue; see Tests/CarEngineTests.
