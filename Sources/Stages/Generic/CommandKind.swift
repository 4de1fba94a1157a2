import Foundation
import LemaCore
import StageAPI

/// `command`: runs one external program (an argv list, no shell) in its own process group. Standard output and
/// error go to `stdout.txt` / `stderr.txt` in the node's directory; files the program promises in `outputs` become
/// the node's artifacts. A non-zero exit fails the node with the tail of its stderr.
///
/// The program should write its outputs atomically (temp file + rename) if a half-written file could be mistaken
/// for a finished one; the engine records success only after the program exits 0 and every declared output exists.
public struct CommandKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "command"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Runs an external program (argv list, no shell) with templated input/output paths."
    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public let parameters: [ParameterSpec] = [
        ParameterSpec("argv", .list(.string), default: nil,
                      doc: "Program and arguments; placeholders {out}, {seed}, {inputs}, {input.STAGE}, {input.STAGE.ARTIFACT}."),
        ParameterSpec("inputs", .references, default: .array([]),
                      doc: "Upstream stages whose artifacts the command reads (they run first)."),
        ParameterSpec("env", .map(.string), default: .object([:]),
                      doc: "Extra environment variables (LEMA_OUT, LEMA_SEED and LEMA_STAGE are always set)."),
        ParameterSpec("outputs", .map(.string), default: .object([:]),
                      doc: "Artifact name → path relative to {out} that the command writes."),
        ParameterSpec("cwd", .string, default: .string(""),
                      doc: "Working directory, relative to the spec's directory (default: the spec's directory)."),
    ]

    static let placeholders: Set<String> = ["out", "seed", "inputs"]

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var problems = GenericParams.argvProblems(params, allowed: Self.placeholders)
        for (name, path) in (try? GenericParams.stringMap(params, "outputs")) ?? [:] {
            if path.isEmpty || path.hasPrefix("/") || path.split(separator: "/").contains("..") {
                problems.append(ParameterProblem(parameter: "outputs", message:
                    "output '\(name)' must be a path inside the node's directory (relative, no '..'), got '\(path)'"))
            }
            // A NUL would cut the path short where the file system sees it; a component over 255 bytes cannot exist.
            if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
                || path.split(separator: "/").contains(where: { $0.utf8.count > 255 }) {
                problems.append(ParameterProblem(parameter: "outputs", message:
                    "output '\(name)' must be a path without control characters and with names of at most 255 bytes"))
            }
            if name == "stdout" || name == "stderr" {
                problems.append(ParameterProblem(parameter: "outputs", message:
                    "'\(name)' is reserved (standard output/error are always captured as artifacts)"))
            }
        }
        return problems
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let params = context.params
        let argv = try ArgvTemplate.expand(try GenericParams.strings(params, "argv")) {
            try ArgvTemplate.commonValues($0, context: context)
        }
        let out = context.outputDirectory
        let outputs = try GenericParams.stringMap(params, "outputs")
        // A stale file from an earlier attempt must not pass for this attempt's output.
        for path in outputs.values { try? FileManager.default.removeItem(at: out.appendingPathComponent(path)) }

        var extra = try GenericParams.stringMap(params, "env")
        extra["LEMA_OUT"] = out.path
        extra["LEMA_SEED"] = String(context.seed)
        extra["LEMA_STAGE"] = context.stageName
        let result: (exit: ChildExit, stdout: Data, stderr: Data)
        do {
            result = try ChildProcess.run(
                argv: argv, environment: ChildProcess.environment(adding: extra),
                directory: GenericParams.workingDirectory(params, context: context), stdin: nil,
                stdout: .file(out.appendingPathComponent("stdout.txt").path),
                stderr: .file(out.appendingPathComponent("stderr.txt").path),
                isCancelled: { context.isCancelled })
        } catch let error as ChildSpawnError {
            throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
        }
        if context.isCancelled { throw StageCancelled() }
        guard result.exit.succeeded else {
            let stderr = (try? Data(contentsOf: out.appendingPathComponent("stderr.txt"))) ?? Data()
            throw StageFailure("command \(Self.show(argv)) failed (\(result.exit)); last lines of stderr:\n"
                + GenericParams.tail(stderr))
        }
        var artifacts = ["stdout": "stdout.txt", "stderr": "stderr.txt"]
        for (name, path) in outputs {
            guard FileManager.default.fileExists(atPath: out.appendingPathComponent(path).path) else {
                throw StageFailure("command \(Self.show(argv)) exited 0 but did not write its declared output '\(name)' "
                    + "(\(out.appendingPathComponent(path).path)); write it under {out}", retryable: false)
            }
            artifacts[name] = path
        }
        return StageOutcome(artifacts: artifacts, summary: ["exit_code": .int(0)])
    }

    /// argv for messages, shortened.
    static func show(_ argv: [String]) -> String {
        let text = argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        return "`" + (text.count > 200 ? String(text.prefix(197)) + "..." : text) + "`"
    }
}
