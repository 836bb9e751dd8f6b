import Foundation
import RPCGenCore

/// rpcgen: spec/methods.json → Swift (server surface or conformance cases) and OpenRPC.
///   rpcgen generate --spec PATH --mode server|conformance --out DIR
///   rpcgen export-openrpc --spec PATH [--out FILE]
///   rpcgen export-mcp-tools --spec PATH [--out FILE]
///   rpcgen check --spec PATH
let usage = """
    usage: rpcgen generate --spec PATH --mode server|conformance --out DIR
           rpcgen export-openrpc --spec PATH [--out FILE]
           rpcgen export-mcp-tools --spec PATH [--out FILE]
           rpcgen check --spec PATH
    """

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

/// Reads and validates the spec, printing every diagnostic; exits 1 when any is an error.
func loadSpec(_ path: String) -> LoadedSpec {
    guard let data = FileManager.default.contents(atPath: path) else { fail("\(path): error: cannot read the spec") }
    // Diagnostics name the file relative to the package root when possible, as compilers do.
    let display = path.range(of: "/spec/").map { "spec/" + path[$0.upperBound...] } ?? path
    let (spec, diagnostics) = Generator.load(Array(data), displayName: display)
    for line in diagnostics { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    guard let spec else { exit(1) }
    return spec
}

/// Rewrites a file only when its bytes change, so a no-op regeneration recompiles nothing.
func write(_ contents: String, to path: String) {
    let data = Data(contents.utf8)
    if FileManager.default.contents(atPath: path) == data { return }
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        fail("rpcgen: error: cannot write \(path): \(error)")
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail(usage) }
guard let specPath = option("--spec", in: arguments) else { fail(usage) }
let spec = loadSpec(specPath)

switch command {
case "generate":
    guard let mode = option("--mode", in: arguments), let out = option("--out", in: arguments) else { fail(usage) }
    do {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
        fail("rpcgen: error: cannot create \(out): \(error)")
    }
    let files: [(name: String, contents: String)]
    switch mode {
    case "server": files = Generator.serverFiles(spec)
    case "conformance": files = Generator.conformanceFiles(spec)
    default: fail(usage)
    }
    for file in files { write(file.contents, to: out + "/" + file.name) }
case "export-openrpc":
    let document = Generator.openRPC(spec)
    if let out = option("--out", in: arguments) { write(document + "\n", to: out) } else { print(document) }
case "export-mcp-tools":
    let document = Generator.mcpTools(spec)
    if let out = option("--out", in: arguments) { write(document + "\n", to: out) } else { print(document) }
case "check":
    print("\(specPath): ok (\(spec.summary))")
default:
    fail(usage)
}
