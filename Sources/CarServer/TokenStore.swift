import CarFiles
import CarWebSocket
import Glibc

/// The per-launch tokens: minted from 32 random bytes (43 characters of base64url), published
/// in 0600 files for local clients, and removed at shutdown so a stale token does not outlive
/// its daemon.
public struct TokenStore: Sendable {
    public var authTokenPath: String
    public var hostTokenPath: String

    public init(paths: StatePaths) {
        self.authTokenPath = paths.authTokenPath
        self.hostTokenPath = paths.hostTokenPath
    }

    public static func mint() -> String {
        Base64.randomURLToken()
    }

    public func publish(authToken: String, hostToken: String) throws(FileSystem.Failure) {
        try FileSystem.writeAtomically(Array(authToken.utf8), to: authTokenPath, mode: 0o600)
        try FileSystem.writeAtomically(Array(hostToken.utf8), to: hostTokenPath, mode: 0o600)
    }

    /// Removes each file only if it still holds our token: another daemon may have replaced it.
    public func withdraw(authToken: String, hostToken: String) {
        for (path, token) in [(authTokenPath, authToken), (hostTokenPath, hostToken)] {
            if let bytes = try? FileSystem.readWhole(path, limit: 1 << 20), bytes == Array(token.utf8) {
                FileSystem.remove(path)
            }
        }
    }
}
