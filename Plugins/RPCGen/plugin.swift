import Foundation
import PackagePlugin

/// Runs `rpcgen` on `spec/methods.json` at the package root. Library targets get the server
/// surface (types, handler protocol, dispatch table, client proxy, discovery, MCP tools); test targets
/// get conformance cases generated from the same spec.
@main
struct RPCGenPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let sourceTarget = target as? SwiftSourceModuleTarget else {
            throw RPCGenPluginError.incompatibleTarget(target.name)
        }
        let spec = context.package.directoryURL.appending(path: "spec/methods.json")
        guard FileManager.default.fileExists(atPath: spec.path(percentEncoded: false)) else {
            throw RPCGenPluginError.missingSpec(spec.path(percentEncoded: false))
        }
        let mode = sourceTarget.kind == .test ? "conformance" : "server"
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        // Must match the generator's fixed output list: a declared file that is not written
        // fails the build, and an undeclared one is not compiled.
        let files = mode == "server"
            ? ["Schemas.swift", "Methods.swift", "Errors.swift", "ServerHandler.swift", "Dispatch.swift", "ClientProxy.swift", "Discovery.swift", "MCPTools.swift", "A2AMethods.swift"]
            : ["ConformanceCases.swift"]
        return [
            .buildCommand(
                displayName: "RPCGen \(mode) for \(target.name)",
                executable: try context.tool(named: "rpcgen").url,
                arguments: [
                    "generate",
                    "--spec", spec.path(percentEncoded: false),
                    "--mode", mode,
                    "--out", output.path(percentEncoded: false),
                ],
                inputFiles: [spec],
                outputFiles: files.map { output.appending(path: $0) }
            )
        ]
    }
}

enum RPCGenPluginError: Error, CustomStringConvertible {
    case incompatibleTarget(String)
    case missingSpec(String)

    var description: String {
        switch self {
        case .incompatibleTarget(let name): "RPCGen applies to Swift source targets only; '\(name)' is not one"
        case .missingSpec(let path): "RPCGen: spec not found at \(path)"
        }
    }
}
