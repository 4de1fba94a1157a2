import Foundation
import LemaCore
import StageAPI

/// `map`: runs a command once per record of an input file (a JSONL file or any text file, one record per non-blank
/// line) and collects the outputs, in input order, into `outputs.jsonl`: one line per record,
/// `{"index":I,"output":"…"}` (canonical JSON: keys sorted, no spaces), where `output` is the command's standard
/// output with surrounding whitespace trimmed. The record's text is also written to the command's stdin.
///
/// Crash safety: every finished record goes to the item ledger (key = its index, zero-padded); a rerun runs only
/// records missing from it, and `outputs.jsonl` is written once, atomically, from the ledger at the end — so the
/// file is byte-identical however often the run was killed, and a record whose result was recorded never runs again.
public struct MapKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "map"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Runs a command per record of an input JSONL/text file (in parallel, resumable per record)."
    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public let parameters: [ParameterSpec] = [
        ParameterSpec("input", .reference, default: nil,
                      doc: "The upstream artifact to read (STAGE or STAGE.ARTIFACT); one record per non-blank line."),
        ParameterSpec("argv", .list(.string), default: nil,
                      doc: "Command per record; placeholders {item} (record text), {index} (0-based), {out}, {seed}."),
        ParameterSpec("env", .map(.string), default: .object([:]),
                      doc: "Extra environment variables (LEMA_ITEM_INDEX is set per record)."),
        ParameterSpec("parallel", .int, default: .int(0),
                      doc: "Records run at once (0 = the stage's `threads`)."),
        ParameterSpec("cwd", .string, default: .string(""),
                      doc: "Working directory, relative to the spec's directory (default: the spec's directory)."),
    ]

    static let placeholders: Set<String> = ["out", "seed", "item", "index"]

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var problems = GenericParams.argvProblems(params, allowed: Self.placeholders)
        if let parallel = params["parallel"]?.intValue, parallel < 0 {
            problems.append(ParameterProblem(parameter: "parallel", message: "parallel must be ≥ 0 (0 = threads), got \(parallel)"))
        }
        return problems
    }

    /// Ledger key of record `index`: zero-padded so keys sort in input order.
    static func key(_ index: Int) -> String {
        let digits = String(index)
        return digits.count >= 8 ? digits : String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        guard let input = context.inputs("input").first else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'input'", retryable: false)
        }
        let file = try ArgvTemplate.primaryFile(input)
        let records = try Self.readRecords(file)
        let argv = try GenericParams.strings(context.params, "argv")
        let env = ChildProcess.environment(adding: try GenericParams.stringMap(context.params, "env"))
        let directory = GenericParams.workingDirectory(context.params, context: context)
        let requested = context.params["parallel"]?.intValue ?? 0
        let workers = max(1, requested > 0 ? requested : context.threads)

        let ledger = context.ledger
        let finished = try ledger.finishedItems()
        let todo = records.indices.filter { finished[Self.key($0)] == nil }
        if !finished.isEmpty { context.log("resuming: \(finished.count) of \(records.count) records already done") }
        context.progress(done: records.count - todo.count, total: records.count, note: nil)

        let run = MapRun(todo: todo, alreadyDone: records.count - todo.count)
        let group = DispatchGroup()
        for _ in 0..<min(workers, max(1, todo.count)) {
            DispatchQueue.global(qos: .userInitiated).async(group: group) {
                while let index = run.next(stop: context.isCancelled) {
                    do {
                        let output = try Self.runRecord(index: index, text: records[index], argv: argv, env: env,
                                                        directory: directory, context: context)
                        try ledger.record(key: Self.key(index), payload: Data(output.utf8))
                        let done = run.finishedOne()
                        context.progress(done: done, total: records.count, note: nil)
                    } catch {
                        run.fail(error)
                    }
                }
            }
        }
        group.wait()
        try ledger.flush()
        if context.isCancelled { throw StageCancelled() }
        if let error = run.firstError { throw error }

        let all = try ledger.finishedItems()
        var text = ""
        for index in records.indices {
            guard let payload = all[Self.key(index)] else {
                throw StageFailure("record \(index) has no ledger entry after the run (ledger lost a write?)")
            }
            let object: JSONValue = .object(["index": .int(Int64(index)), "output": .string(String(decoding: payload, as: UTF8.self))])
            text += object.canonicalText + "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: context.outputDirectory.appendingPathComponent("outputs.jsonl"))
        return StageOutcome(artifacts: ["outputs": "outputs.jsonl"], summary: ["records": .int(Int64(records.count))])
    }

    /// Non-blank lines of `file` (split on LF bytes; a trailing CR is dropped).
    static func readRecords(_ file: URL) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw StageFailure("cannot read map input \(file.path): \(error.localizedDescription)", retryable: false)
        }
        // Bytes, not Characters: Swift treats "\r\n" as one Character, so splitting a String on "\n" would merge
        // CRLF lines.
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).compactMap { line in
            let bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
            let text = String(decoding: bytes, as: UTF8.self)
            return text.allSatisfy(\.isWhitespace) ? nil : text
        }
    }

    private static func runRecord(index: Int, text: String, argv: [String], env: [String: String], directory: String,
                                  context: any StageContext) throws -> String {
        let expanded = try ArgvTemplate.expand(argv) { name in
            switch name {
            case "item": return [text]
            case "index": return [String(index)]
            default: return try ArgvTemplate.commonValues(name, context: context)
            }
        }
        var environment = env
        environment["LEMA_ITEM_INDEX"] = String(index)
        let result: (exit: ChildExit, stdout: Data, stderr: Data)
        do {
            result = try ChildProcess.run(argv: expanded, environment: environment, directory: directory,
                                          stdin: Data((text + "\n").utf8), stdout: .capture, stderr: .capture,
                                          isCancelled: { context.isCancelled })
        } catch let error as ChildSpawnError {
            throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
        }
        if context.isCancelled { throw StageCancelled() }
        guard result.exit.succeeded else {
            throw StageFailure("record \(index) failed: command \(CommandKind.show(expanded)) ended with "
                + "\(result.exit); last lines of stderr:\n" + GenericParams.tail(result.stderr))
        }
        return String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Shared state of one map attempt's workers: the queue of records to run, the count done, the first error.
private final class MapRun: @unchecked Sendable {
    // @unchecked Sendable: every field is only touched under `lock`.
    private let lock = NSLock()
    private let todo: [Int]
    private var position = 0
    private var done: Int
    private var storedError: (any Error)?

    /// The first failure of a record, if any.
    var firstError: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return storedError
    }

    init(todo: [Int], alreadyDone: Int) {
        self.todo = todo
        done = alreadyDone
    }

    /// The next record to run, or nil when all are taken, one failed, or the node was cancelled.
    func next(stop: Bool) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard !stop, storedError == nil, position < todo.count else { return nil }
        position += 1
        return todo[position - 1]
    }

    func finishedOne() -> Int {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        return done
    }

    /// Keeps the first real failure (a cancellation is not one).
    func fail(_ error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        if storedError == nil, !(error is StageCancelled) { storedError = error }
    }
}
