import CarFiles
import CarJSON
import Glibc

/// `a2a-tokens.json` (mode 0600, like the daemon's own token files):
/// `{"tokens":[{"id","label","createdAt","token"}]}`. Blocking: call it on the pool.
enum A2AAccessTokenFile {
    /// A missing file holds no tokens. A file that is not exactly a list of valid entries gives
    /// the entries that could be read and a problem, so nothing rewrites it.
    static func load(_ path: String, limits: A2AAccessTokenLimits) -> (tokens: [A2AAccessToken], problem: String?) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readWhole(path, limit: limits.maxFileBytes)
        } catch {
            if error.code == ENOENT { return ([], nil) }
            if error.code == EFBIG { return ([], "\(path) is larger than \(limits.maxFileBytes) bytes") }
            return ([], "\(path) cannot be read: \(error)")
        }
        guard let document = try? JSONParser.parse(bytes), let entries = document["tokens"]?.arrayValue else {
            return ([], "\(path) is not JSON with a \"tokens\" list")
        }
        var tokens: [A2AAccessToken] = []
        var problem: String? = entries.count > limits.maxTokens ? "\(path) lists more than \(limits.maxTokens) tokens" : nil
        for (index, entry) in entries.prefix(limits.maxTokens).enumerated() {
            guard let id = entry["id"]?.stringValue, let secret = entry["token"]?.stringValue, !secret.isEmpty,
                  let label = entry["label"]?.stringValue, !tokens.contains(where: { $0.id == id || $0.secret == secret }) else {
                problem = problem ?? "\(path): entry \(index) is not {id, label, createdAt, token} with a unique id and token"
                continue
            }
            tokens.append(A2AAccessToken(id: id, label: label, createdAt: entry["createdAt"]?.stringValue ?? "", secret: secret))
        }
        return (tokens, problem)
    }

    static func save(_ tokens: [A2AAccessToken], to path: String) throws(FileSystem.Failure) {
        let document: JSONValue = ["tokens": .array(tokens.map(\.fileJSON))]
        try FileSystem.writeAtomically(Array((JSONWriter.prettyString(document) + "\n").utf8), to: path, mode: 0o600)
    }
}
