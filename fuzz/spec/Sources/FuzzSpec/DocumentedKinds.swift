import Foundation
import LemaCore
import StageAPI

/// The shipped stage kinds as docs/spec.md documents them (its tables are written by `lema kinds --markdown`):
/// same names, parameters, types and defaults, so the corpus specs from pipelines/ compile all the way to a graph.
/// The real kinds live in the Stages module, which pulls in the model, HTTP and BLAS code; fuzzing only the
/// front end does not need them. Kind-specific `validate` checks are not reproduced.
enum DocumentedKinds {
    static let registry: KindRegistry = {
        let path = ProcessInfo.processInfo.environment["LEMA_FUZZ_SPEC_DOC"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../../../docs/spec.md").standardizedFileURL.path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            fatalError("cannot read \(path) (set LEMA_FUZZ_SPEC_DOC to docs/spec.md)")
        }
        let kinds = parse(text)
        guard kinds.count >= 5 else { fatalError("found only \(kinds.count) stage kinds in \(path)") }
        return KindRegistry(kinds)
    }()

    struct Kind: StageKind {
        var name: String
        var version: Int
        var summary = "as documented"
        var parameters: [ParameterSpec]
        func validate(_ params: [String: JSONValue]) -> [ParameterProblem] { [] }
        func run(_ context: any StageContext) throws -> StageOutcome { StageOutcome() }
    }

    /// `### \`name\` (version N)` headings, each followed by a `| key | type | default | meaning |` table.
    static func parse(_ text: String) -> [Kind] {
        var kinds: [Kind] = []
        var current: Kind?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("### `") {
                if let current { kinds.append(current) }
                let parts = line.split(separator: "`")
                let version = line.split(separator: " ").last.flatMap { Int($0.filter(\.isNumber)) } ?? 1
                current = parts.count >= 2 ? Kind(name: String(parts[1]), version: version, parameters: []) : nil
            } else if line.hasPrefix("## ") {
                if let current { kinds.append(current) }
                current = nil
            } else if line.hasPrefix("| `"), current != nil {
                let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                guard cells.count >= 5 else { continue }
                let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                let defaultValue: JSONValue? = cells[3] == "required" ? nil
                    : (try? JSONValue.parse(Data(cells[3].trimmingCharacters(in: CharacterSet(charactersIn: "`")).utf8))) ?? .null
                current?.parameters.append(ParameterSpec(name, type(cells[2]), default: defaultValue, doc: ""))
            }
        }
        if let current { kinds.append(current) }
        return kinds.filter { !$0.parameters.isEmpty }
    }

    /// Inverse of `ParameterType.description`; anything unrecognised is `any`.
    static func type(_ text: String) -> ParameterType {
        switch text {
        case "an integer": return .int
        case "a number": return .double
        case "true or false": return .bool
        case "a string": return .string
        case ParameterType.reference.description: return .reference
        case ParameterType.references.description: return .references
        case ParameterType.gather.description: return .gather
        default: break
        }
        if text.hasPrefix("one of ") {
            return .choice(text.dropFirst(7).components(separatedBy: ", ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'")) })
        }
        for (prefix, make) in [("a list of ", ParameterType.list), ("a mapping of ", ParameterType.map)] where text.hasPrefix(prefix) {
            return make(element(String(text.dropFirst(prefix.count))))
        }
        return .any
    }

    private static func element(_ plural: String) -> ParameterType {
        switch plural {
        case "integers": return .int
        case "numbers": return .double
        case "booleans": return .bool
        case "strings": return .string
        default:
            guard plural.hasPrefix("values ("), plural.hasSuffix(")") else { return .any }
            return type(String(plural.dropFirst(8).dropLast()))
        }
    }
}
