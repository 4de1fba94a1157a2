import Foundation
import StageAPI

/// Placeholder expansion for the `argv` of `command` and `map` (no shell is involved: each list element is one
/// argument). Placeholders:
/// - `{out}` — the node's output directory; `{seed}` — the node's seed;
/// - `{inputs}` — the files of every reference in `inputs` (as a whole argument it becomes one argument per file;
///   inside a longer argument they are joined with spaces);
/// - `{input.STAGE}` / `{input.STAGE.ARTIFACT}` — one input's file;
/// - `map` only: `{item}` — the record's text, `{index}` — its 0-based line number.
/// `{{` and `}}` stand for literal braces; braces that do not enclose a placeholder name (shell code such as
/// `${VAR}` or `{ cmd; }`) are kept as written.
enum ArgvTemplate {
    enum Segment: Equatable {
        case literal(String)
        case placeholder(String)
    }

    /// Splits one argument into literal text and placeholders. Only `{name}` / `{name.part…}` with an identifier
    /// inside counts as a placeholder, and not after `$`: shell code passed to `sh -c` keeps its `${VAR}` and
    /// `{ …; }` untouched. `{{` / `}}` are literal braces.
    static func parse(_ text: String) throws -> [Segment] {
        var segments: [Segment] = []
        var literal = ""
        let chars = Array(text)
        var i = 0
        // The first "}" after i only moves forward: found once, not searched again for every "{" (a value of
        // many "{" and no "}" would otherwise take time quadratic in its length).
        var searchedFrom = -1  // the last search covered everything after this position
        var nextClose: Int?    // its result: the first "}" after searchedFrom, or nil for none
        func closeAfter(_ i: Int) -> Int? {
            if searchedFrom >= 0, i >= searchedFrom, nextClose.map({ $0 > i }) ?? true { return nextClose }
            searchedFrom = i
            nextClose = chars[(i + 1)...].firstIndex(of: "}")
            return nextClose
        }
        while i < chars.count {
            let c = chars[i]
            if c == "{", i + 1 < chars.count, chars[i + 1] == "{" {
                literal.append("{")
                i += 2
            } else if c == "}", i + 1 < chars.count, chars[i + 1] == "}" {
                literal.append("}")
                i += 2
            } else if c == "{", i == 0 || chars[i - 1] != "$",
                      let close = closeAfter(i), isPlaceholderName(chars[(i + 1)..<close]) {
                if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
                segments.append(.placeholder(String(chars[(i + 1)..<close])))
                i = close + 1
            } else {
                literal.append(c)
                i += 1
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }

    /// `out`, `input.prep.data`, …: dot-separated words of letters, digits, `_` and `-`, starting with a letter.
    private static func isPlaceholderName(_ name: ArraySlice<Character>) -> Bool {
        guard let first = name.first, first.isLetter, first.isASCII else { return false }
        var previousDot = false
        for c in name {
            if c == "." {
                if previousDot { return false }
                previousDot = true
                continue
            }
            previousDot = false
            guard c.isASCII, c.isLetter || c.isNumber || c == "_" || c == "-" else { return false }
        }
        return !previousDot
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
