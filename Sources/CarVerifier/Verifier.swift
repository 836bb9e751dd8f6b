// The static verifier arrives with the runtime engine issue; see Tests/CarVerifierTests.
