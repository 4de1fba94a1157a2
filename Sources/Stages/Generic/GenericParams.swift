import Foundation
import LemaCore
import StageAPI

/// Reading the resolved parameters of the generic kinds. The spec compiler has already checked types against the
/// kinds' `ParameterSpec`s; these helpers still fail with a clear message rather than trap if called directly.
enum GenericParams {
    static func strings(_ params: [String: JSONValue], _ key: String) throws -> [String] {
        guard let array = params[key]?.arrayValue else { return [] }
        return try array.map { value in
            guard let s = value.stringValue else {
                throw StageFailure("parameter '\(key)' must be a list of strings, found \(value)", retryable: false)
            }
            return s
        }
    }

    static func stringMap(_ params: [String: JSONValue], _ key: String) throws -> [String: String] {
        guard let object = params[key]?.objectValue else { return [:] }
        var out: [String: String] = [:]
        for (name, value) in object {
            switch value {
            case .string(let s): out[name] = s
            case .int(let i): out[name] = String(i)
            case .double, .bool: out[name] = value.canonicalText
            default: throw StageFailure("parameter '\(key).\(name)' must be a string, found \(value)", retryable: false)
            }
        }
        return out
    }

    /// The working directory for commands: `cwd` relative to the spec's directory (default: the spec's directory).
    static func workingDirectory(_ params: [String: JSONValue], context: any StageContext) -> String {
        let cwd = params["cwd"]?.stringValue ?? ""
        if cwd.isEmpty { return context.specDirectory.path }
        if cwd.hasPrefix("/") { return cwd }
        return context.specDirectory.appendingPathComponent(cwd).standardizedFileURL.path
    }

    /// Validation shared by `command` and `map`: a non-empty argv whose placeholders are known.
    static func argvProblems(_ params: [String: JSONValue], allowed: Set<String>) -> [ParameterProblem] {
        guard let argv = try? strings(params, "argv") else { return [] }
        if argv.isEmpty { return [ParameterProblem(parameter: "argv", message: "argv must name a program to run")] }
        var problems: [ParameterProblem] = []
        for element in argv {
            do { _ = try ArgvTemplate.parse(element) } catch {
                problems.append(ParameterProblem(parameter: "argv", message: "\(error)"))
            }
        }
        for name in ArgvTemplate.unknownPlaceholders(in: argv, allowed: allowed) {
            let known = allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")
            problems.append(ParameterProblem(parameter: "argv", message:
                "unknown placeholder '{\(name)}' (known: \(known), {input.STAGE}, {input.STAGE.ARTIFACT}; "
                + "write '{{' for a literal brace)"))
        }
        return problems
    }

    /// Last lines of a child's stderr for an error message.
    static func tail(_ data: Data, lines: Int = 8) -> String {
        let text = String(decoding: data.suffix(4096), as: UTF8.self)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines)
        return kept.isEmpty ? "(stderr empty)" : kept.joined(separator: "\n")
    }
}
