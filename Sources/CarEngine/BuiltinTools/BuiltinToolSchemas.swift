import CarIR
import CarJSON

/// What `tools.list` shows for each built-in tool: its name, what it does and the JSON Schema
/// of its parameters (the shapes the spec's `agents.register_basics` entry documents).
extension BuiltinTools {
    public static let schemas: [ToolSchema] = [
        ToolSchema(
            name: "read_file",
            description: "Read a text file (at most 1 MiB per call; truncated: true when there is more). Relative paths resolve against the daemon's current directory.",
            parameters: object(required: ["path"], [
                "path": string("The file to read."),
                "offset": integer("Byte offset to start from (default 0)."),
                "max_bytes": integer("At most this many bytes (default and ceiling 1048576)."),
            ]),
            idempotent: true),
        ToolSchema(
            name: "write_file",
            description: "Create or replace a file with the given text, atomically (content at most 4 MiB). Needs a person's approval.",
            parameters: object(required: ["path", "content"], [
                "path": string("The file to write."),
                "content": string("The file's new content."),
                "create_dirs": boolean("Create missing parent directories (default false)."),
            ])),
        ToolSchema(
            name: "edit_file",
            description: "Replace the text 'old' with 'new' in a file (at most 4 MiB); 'old' must occur exactly once unless replace_all. Needs a person's approval.",
            parameters: object(required: ["path", "old", "new"], [
                "path": string("The file to edit."),
                "old": string("The exact text to replace (not empty)."),
                "new": string("The replacement text."),
                "replace_all": boolean("Replace every occurrence (default false)."),
            ])),
        ToolSchema(
            name: "list_dir",
            description: "List a directory's entries with their type (file, dir, symlink, other) and size, sorted by name; at most 1000.",
            parameters: object(required: [], [
                "path": string("The directory (default: the daemon's current directory)."),
            ]),
            idempotent: true),
        ToolSchema(
            name: "find_files",
            description: "Find files whose name matches a shell glob (or whose relative path does, when the glob holds '/'), under a directory; symbolic links are not followed, .git is skipped; at most 500 matches.",
            parameters: object(required: ["pattern"], [
                "pattern": string("A glob such as *.swift or src/*/main.c."),
                "path": string("The directory to search (default: the daemon's current directory)."),
            ]),
            idempotent: true),
        ToolSchema(
            name: "grep_files",
            description: "Find lines containing literal text (not a regular expression) in a file or under a directory; binary files are skipped; at most 200 matches.",
            parameters: object(required: ["pattern"], [
                "pattern": string("The text to look for."),
                "path": string("A file or directory (default: the daemon's current directory)."),
                "glob": string("Only files whose name matches this glob."),
                "ignore_case": boolean("ASCII case-insensitive (default false)."),
            ]),
            idempotent: true),
        ToolSchema(
            name: "calculate",
            description: "Evaluate arithmetic: numbers, + - * / % ^, parentheses and unary minus; no names or functions; at most 1024 bytes.",
            parameters: object(required: ["expression"], [
                "expression": string("For example 2*(3+4)."),
            ]),
            idempotent: true),
    ]

    private static func object(required: [String], _ properties: [String: JSONValue]) -> JSONValue {
        .object(["type": "object", "required": .array(required.map(JSONValue.string)), "properties": .object(properties)])
    }

    private static func string(_ description: String) -> JSONValue {
        .object(["type": "string", "description": .string(description)])
    }

    private static func integer(_ description: String) -> JSONValue {
        .object(["type": "integer", "minimum": 0, "description": .string(description)])
    }

    private static func boolean(_ description: String) -> JSONValue {
        .object(["type": "boolean", "description": .string(description)])
    }
}
