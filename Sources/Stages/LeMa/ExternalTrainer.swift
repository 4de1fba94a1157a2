import Foundation
import LemaCore
import Math
import StageAPI

/// `train` with `backend: command`: the user's own trainer (a GPU script, say) in place of the in-process GPT.
/// The stage writes the training set as JSONL (`prompt`/`target` per line), runs the argv template with no shell,
/// streams the trainer's output into `trainer.log` and the node's log line by line, and records the directory the
/// trainer wrote as the `checkpoint` artifact. The directory is kept across attempts, so a trainer that resumes
/// from its own checkpoints continues where a crashed attempt stopped.
struct ExternalTrainer {
    var context: any StageContext
    var argv: [String]
    /// `{args.NAME}` values.
    var args: [String: String]
    /// Hyper-parameters offered as placeholders (`{lr}`, `{steps}`, …), already formatted.
    var hyper: [String: String]
    var records: [TrainingRecord]

    /// Placeholders a `train` command may use besides `{args.NAME}`.
    static let placeholders = ["data", "out", "log", "seed", "init", "steps", "epochs", "lr", "batch_size", "warmup",
                               "weight_decay", "context"]

    init(_ p: ParameterValues, context: any StageContext, records: [TrainingRecord]) throws {
        self.context = context
        self.records = records
        argv = try GenericParams.strings(context.params, "command")
        args = try GenericParams.stringMap(context.params, "args")
        var hyper: [String: String] = [:]
        for key in ["steps", "batch_size", "warmup", "context"] { hyper[key] = String(try p.int(key)) }
        for key in ["epochs", "lr", "weight_decay"] { hyper[key] = Self.format(try p.double(key)) }
        self.hyper = hyper
    }

    func run() throws -> StageOutcome {
        let out = context.outputDirectory
        let dataFile = out.appendingPathComponent("train.jsonl")
        let checkpoint = out.appendingPathComponent("checkpoint", isDirectory: true)
        let logFile = out.appendingPathComponent("trainer.log")
        try RecordLine.write(records.map { RecordLine.encode(["prompt": .string($0.prompt), "target": .string($0.target)]) },
                             to: dataFile)
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        let initPath = try context.inputs("init").first.map { input -> String in
            if let dir = input.artifacts["checkpoint"] { return dir.path }
            return try ModelFiles.modelFile(input).path
        }
        let expanded = try ArgvTemplate.expand(argv) { name -> [String]? in
            switch name {
            case "data": return [dataFile.path]
            case "out": return [checkpoint.path]
            case "log": return [logFile.path]
            case "seed": return [String(context.seed)]
            case "init":
                guard let initPath else {
                    throw StageFailure("stage '\(context.stageName)': the command uses {init} but `init` names no "
                        + "stage", retryable: false)
                }
                return [initPath]
            default:
                if let value = hyper[name] { return [value] }
                if name.hasPrefix("args.") {
                    let key = String(name.dropFirst("args.".count))
                    guard let value = args[key] else {
                        throw StageFailure("stage '\(context.stageName)': placeholder {\(name)} has no value in `args` "
                            + "(it has: \(args.keys.sorted().joined(separator: ", ")))", retryable: false)
                    }
                    return [value]
                }
                return nil
            }
        }
        context.log("trainer: \(CommandKind.show(expanded)) on \(records.count) examples")
        let follower = LogFollower(file: logFile, context: context)
        follower.start()
        let result: (exit: ChildExit, stdout: Data, stderr: Data)
        do {
            result = try ChildProcess.run(
                argv: expanded,
                environment: ChildProcess.environment(adding: [
                    "LEMA_OUT": checkpoint.path, "LEMA_DATA": dataFile.path, "LEMA_SEED": String(context.seed),
                    "LEMA_STAGE": context.stageName,
                ]),
                directory: context.specDirectory.path, stdin: nil,
                stdout: .file(logFile.path), stderr: .capture, isCancelled: { context.isCancelled })
        } catch let error as ChildSpawnError {
            follower.stop()
            throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
        }
        follower.stop()
        if !result.stderr.isEmpty {
            // stderr is captured apart (two descriptors on one file would overwrite each other) and appended.
            if let handle = try? FileHandle(forWritingTo: logFile) {
                _ = try? handle.seekToEnd()
                try? handle.write(contentsOf: result.stderr)
                try? handle.close()
            }
        }
        if context.isCancelled { throw StageCancelled() }
        guard result.exit.succeeded else {
            throw StageFailure("trainer \(CommandKind.show(expanded)) failed (\(result.exit)); last lines of stderr:\n"
                + GenericParams.tail(result.stderr) + "\n(full output: \(logFile.path))")
        }
        let written = (try? FileManager.default.contentsOfDirectory(atPath: checkpoint.path)) ?? []
        guard !written.isEmpty else {
            throw StageFailure("trainer \(CommandKind.show(expanded)) exited 0 but wrote nothing into {out} "
                + "(\(checkpoint.path)); it must save its checkpoint there", retryable: false)
        }
        return StageOutcome(
            artifacts: ["checkpoint": "checkpoint", "data": "train.jsonl", "log": "trainer.log"],
            summary: ["backend": .string("command"), "examples": .int(Int64(records.count)),
                      "checkpoint_files": .int(Int64(written.count)), "exit_code": .int(0)])
    }

    /// Shortest text that reads back as the same number (`0.001`, `3`, `1e-05`).
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

/// Forwards lines appended to a file to the node's log while a child writes it (the trainer's output is "streamed":
/// `lema status` and the node log show it as it happens, not after the trainer exits). Polls every 200 ms.
final class LogFollower: @unchecked Sendable {
    private let file: URL
    private let context: any StageContext
    // Guarded by `lock`.
    private var running = false
    private var offset: UInt64 = 0
    private var partial = Data()
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    init(file: URL, context: any StageContext) {
        self.file = file
        self.context = context
    }

    func start() {
        lock.withLock { running = true }
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                drain()
                Thread.sleep(forTimeInterval: 0.2)
            }
            done.signal()
        }
    }

    /// Stops polling and forwards what is left.
    func stop() {
        guard lock.withLock({ let was = running; running = false; return was }) else { return }
        done.wait()
        drain(final: true)
    }

    private func drain(final: Bool = false) {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return }
        defer { try? handle.close() }
        lock.lock()
        let start = offset
        lock.unlock()
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd(), !data.isEmpty || final
        else { return }
        lock.lock()
        offset = start + UInt64(data.count)
        partial.append(data)
        var lines: [String] = []
        while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
            partial.removeSubrange(partial.startIndex...newline)
        }
        if final, !partial.isEmpty {
            lines.append(String(decoding: partial, as: UTF8.self))
            partial.removeAll()
        }
        lock.unlock()
        for line in lines where !line.isEmpty { context.log("trainer: " + line) }
    }
}
