import CarHTTP

/// The dashboard's page and scripts, compiled into the binary (see Plugins/EmbedAssets).
public enum DashboardAssets {
    public struct Asset: Sendable {
        public let contentType: String
        public let body: [UInt8]
    }

    /// By request path: `/` is the page.
    public static let byPath: [String: Asset] = {
        var table: [String: Asset] = [:]
        for (name, file) in EmbeddedAssets.files {
            let asset = Asset(contentType: file.contentType, body: Array(file.text.utf8))
            table["/" + name] = asset
            if name == "index.html" { table["/"] = asset }
        }
        return table
    }()
}
