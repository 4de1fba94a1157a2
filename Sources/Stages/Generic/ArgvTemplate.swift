import Foundation
import StageAPI

/// Placeholder expansion for the `argv` of `command` and `map` (no shell is involved: each list element is one
/// argument). Placeholders:
/// - `{out}` — the node's output directory; `{seed}` — the node's seed;
/// - `{inputs}` — the files of every reference in `inputs` (as a whole argument it becomes one argument per file;
///   inside a longer argument they are joined with spaces);
/// - `{input.STAGE}` / `{input.STAGE.ARTIFACT}` — one input's file;
/// - `map` only: `{item}` — the record's text, `{index}` — its 0-based line number.
/// `{{` and `}}` stand for literal braces.
enum ArgvTemplate {
    enum Segment: Equatable {
        case literal(String)
        case placeholder(String)
    }

    /// Splits one argument into literal text and placeholders. Throws on an unclosed `{`.
    static func parse(_ text: String) throws -> [Segment] {
        var segments: [Segment] = []
        var literal = ""
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if c == "{" {
                if chars.first == "{" { chars.removeFirst(); literal.append("{"); continue }
                guard let close = chars.firstIndex(of: "}") else {
                    throw StageFailure("argv element '\(text)' has an unclosed '{' (write '{{' for a literal brace)",
                                       retryable: false)
                }
                if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
                segments.append(.placeholder(String(chars[chars.startIndex..<close])))
                chars = chars[(close + 1)...]
            } else if c == "}" {
                if chars.first == "}" { chars.removeFirst() }
                literal.append("}")
            } else {
                literal.append(c)
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }

    /// Placeholder names used anywhere in `argv` that are not allowed (for parameter validation).
    static func unknownPlaceholders(in argv: [String], allowed: Set<String>) -> [String] {
        var out: [String] = []
        for element in argv {
            guard let segments = try? parse(element) else { continue }
            for case .placeholder(let name) in segments where !allowed.contains(name) && !name.hasPrefix("input.") {
                out.append(name)
            }
        }
        return out
    }

    /// Expands every argument. `values` gives each placeholder's values (a multi-valued one expands into several
    /// arguments when it is the whole argument); a placeholder it does not know is an error naming the known ones.
    static func expand(_ argv: [String], values: (String) throws -> [String]?) throws -> [String] {
        var out: [String] = []
        for element in argv {
            let segments = try parse(element)
            if segments.count == 1, case .placeholder(let name) = segments[0] {
                out.append(contentsOf: try value(name, values))
                continue
            }
            var text = ""
            for segment in segments {
                switch segment {
                case .literal(let s): text += s
                case .placeholder(let name): text += try value(name, values).joined(separator: " ")
                }
            }
            out.append(text)
        }
        return out
    }

    private static func value(_ name: String, _ values: (String) throws -> [String]?) throws -> [String] {
        guard let found = try values(name) else {
            throw StageFailure("unknown placeholder '{\(name)}' in argv (known: {out}, {seed}, {inputs}, "
                + "{input.STAGE}, {input.STAGE.ARTIFACT}; map also {item}, {index})", retryable: false)
        }
        return found
    }

    /// Values of the placeholders common to `command` and `map`.
    static func commonValues(_ name: String, context: any StageContext) throws -> [String]? {
        switch name {
        case "out": return [context.outputDirectory.path]
        case "seed": return [String(context.seed)]
        case "inputs": return try context.inputs("inputs").map { try primaryFile($0).path }
        default:
            guard name.hasPrefix("input.") else { return nil }
            let parts = name.dropFirst("input.".count).split(separator: ".", maxSplits: 1).map(String.init)
            let all = context.inputs("inputs") + context.inputs("input")
            guard let stage = parts.first, let input = all.first(where: { $0.stage == stage }) else {
                let known = Set(all.map(\.stage)).sorted().joined(separator: ", ")
                throw StageFailure("placeholder '{\(name)}' names no input stage (inputs: \(known.isEmpty ? "none" : known)); "
                    + "list the stage under `inputs:`", retryable: false)
            }
            if parts.count == 2 {
                guard let url = input.artifacts[parts[1]] else {
                    throw StageFailure("stage '\(stage)' has no artifact '\(parts[1])' (it has: "
                        + input.artifacts.keys.sorted().joined(separator: ", ") + ")", retryable: false)
                }
                return [url.path]
            }
            return [try primaryFile(input).path]
        }
    }

    /// The file a reference stands for: the artifact it names, else the producer's only artifact other than the
    /// captured stdout/stderr, else its only artifact.
    static func primaryFile(_ input: InputArtifact) throws -> URL {
        if let selected = input.selected {
            return try input.file(default: selected)
        }
        let declared = input.artifacts.filter { $0.key != "stdout" && $0.key != "stderr" }
        if declared.count == 1, let only = declared.values.first { return only }
        if input.artifacts.count == 1, let only = input.artifacts.values.first { return only }
        let names = input.artifacts.keys.sorted()
        throw StageFailure("stage '\(input.stage)' has " + (names.isEmpty ? "no artifacts"
            : "several artifacts (\(names.joined(separator: ", ")))") + "; name one as '\(input.stage).ARTIFACT'",
            retryable: false)
    }
}
