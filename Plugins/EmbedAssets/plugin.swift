import Foundation
import PackagePlugin

/// Compiles the files under a target's `Resources/` folder into the target as string constants
/// (`embed-assets`), so the daemon's binary carries its dashboard: a copied or installed
/// `car-server` serves the page without a resource bundle beside it.
@main
struct EmbedAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let folder = target.directoryURL.appending(path: "Resources")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))
            .filter { !$0.hasPrefix(".") }
            .sorted()
        let inputs = names.map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(names.count) asset(s) into \(target.name)",
                executable: try context.tool(named: "embed-assets").url,
                arguments: ["--out", output.path(percentEncoded: false)] + inputs.map { $0.path(percentEncoded: false) },
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
