import Foundation

/// ListTasks' page token: where the previous page stopped (that task's status time and id),
/// base64 so clients treat it as opaque. A position, not an offset, so a token stays valid when
/// tasks are added or removed before it.
struct A2APageToken: Equatable {
    var updatedAt: Int64
    var id: String

    var encoded: String { Data("\(updatedAt)|\(id)".utf8).base64EncodedString() }

    /// -32602 with the SDK's wording for anything that is not one of ours.
    static func decode(_ token: String) throws(A2AError) -> A2APageToken {
        let refusal = A2AError.invalidParams(field: "pageToken", "Token is not a valid base64-encoded cursor.")
        guard token.utf8.count <= 4_096, let bytes = A2ABase64.decode(token),
              let text = String(bytes: bytes, encoding: .utf8), let bar = text.firstIndex(of: "|"),
              let updatedAt = Int64(text[..<bar]) else { throw refusal }
        return A2APageToken(updatedAt: updatedAt, id: String(text[text.index(after: bar)...]))
    }
}
