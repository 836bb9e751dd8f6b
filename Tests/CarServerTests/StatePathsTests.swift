import Testing
@testable import CarServer

@Suite("state root, token and socket paths")
struct StatePathsTests {
    @Test func carHomeMovesTokenAndSocket() throws {
        let paths = try StatePaths.resolve(environment: ["CAR_HOME": "/tmp/car-alt/", "HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1"])
        #expect(paths.root == "/tmp/car-alt")
        #expect(paths.authTokenPath == "/tmp/car-alt/ai.parslee.car/auth-token")
        #expect(paths.hostTokenPath == "/tmp/car-alt/ai.parslee.car/host-token")
        #expect(paths.socketPath == "/tmp/car-alt/run/car-server.sock")
    }

    @Test func xdgRuntimeDirDecidesTokenAndSocketWithoutCarHome() throws {
        let paths = try StatePaths.resolve(environment: ["HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1"])
        #expect(paths.root == "/home/u/.car")
        #expect(paths.authTokenPath == "/run/user/1/ai.parslee.car/auth-token")
        #expect(paths.socketPath == "/run/user/1/ai.parslee.car/car-server.sock")
    }

    @Test func homeFallbacks() throws {
        let paths = try StatePaths.resolve(environment: ["HOME": "/home/u"])
        #expect(paths.authTokenPath == "/home/u/.config/ai.parslee.car/auth-token")
        #expect(paths.socketPath == "/home/u/.car/run/car-server.sock")
        #expect(paths.journalDirectory == "/home/u/.car/journals")
    }

    @Test func relativeCarHomeIsRefusedWithTheValue() {
        #expect(throws: StatePaths.Failure.relativeCarHome("rel/dir")) {
            try StatePaths.resolve(environment: ["CAR_HOME": "rel/dir", "HOME": "/home/u"])
        }
        #expect(DaemonMain.run(arguments: ["--port", "0"], environment: ["CAR_HOME": "rel/dir", "HOME": "/tmp"]) == 2)
    }

    @Test func tildeCarPrefixMeansTheStateRoot() throws {
        let paths = try StatePaths.resolve(environment: ["CAR_HOME": "/tmp/alt", "HOME": "/home/u"])
        #expect(paths.expand("~/.car/journals", home: "/home/u") == "/tmp/alt/journals")
        #expect(paths.expand("~/elsewhere", home: "/home/u") == "/home/u/elsewhere")
        #expect(paths.expand("/abs", home: "/home/u") == "/abs")
    }
}

@Suite("command line")
struct DaemonOptionsTests {
    @Test func defaults() throws {
        guard case .run(let options) = try DaemonOptions.parse([], environment: [:]) else { Issue.record("expected run"); return }
        #expect(options.port == 9100)
        #expect(options.bindHost == "127.0.0.1")
        #expect(options.unixSocket == .standard)
        #expect(!options.authDisabled)
        #expect(options.maxMessageBytes == 16 << 20)
    }

    @Test func flagsAndEnvironment() throws {
        let command = try DaemonOptions.parse(
            ["--port=9200", "--bind", "::1", "--uds", "disabled", "--max-message-bytes", "65536", "--log-level", "debug"],
            environment: ["CAR_AUTH_TOKEN": "  tok  ", "CAR_NO_AUTH": "1"])
        guard case .run(let options) = command else { Issue.record("expected run"); return }
        #expect(options.port == 9200)
        #expect(options.bindHost == "::1")
        #expect(options.unixSocket == .disabled)
        #expect(options.maxMessageBytes == 65536)
        #expect(options.logLevel == .debug)
        #expect(options.authToken == "tok")
        #expect(options.authDisabled)
    }

    @Test func commands() throws {
        #expect(try DaemonOptions.parse(["spec"], environment: [:]) == .printSpec)
        #expect(try DaemonOptions.parse(["--help"], environment: [:]) == .help)
        #expect(try DaemonOptions.parse(["--version"], environment: [:]) == .version)
    }

    @Test func badInputIsAUsageError() {
        #expect(throws: DaemonOptions.UsageError.self) { try DaemonOptions.parse(["--port", "99999"], environment: [:]) }
        #expect(throws: DaemonOptions.UsageError.self) { try DaemonOptions.parse(["--port"], environment: [:]) }
        #expect(throws: DaemonOptions.UsageError.self) { try DaemonOptions.parse(["--frobnicate"], environment: [:]) }
        #expect(DaemonMain.run(arguments: ["--frobnicate"], environment: [:]) == 2)
    }
}
