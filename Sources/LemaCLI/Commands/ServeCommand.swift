import ArgumentParser
import Engine
import Foundation
import LemaCore
import Serve

/// `lema serve CHECKPOINT` (or `--spec SPEC --stage STAGE`): one tiny-GPT checkpoint behind the OpenAI-compatible
/// HTTP API, on 127.0.0.1 unless told otherwise. SIGINT/SIGTERM stop it gracefully.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a trained checkpoint over the OpenAI-compatible HTTP API.",
        discussion: """
            Routes: POST /v1/completions, POST /v1/chat/completions, GET /v1/models, GET /health. \
            Chat messages are rendered for the base model as their contents joined with a blank line. \
            "stream": true answers with server-sent events (OpenAI's chunk format) as tokens are generated. \
            Prints `lema serve: listening on http://HOST:PORT/v1 (model NAME)` once it accepts connections.
            """)

    @Argument(help: ArgumentHelp("A model file written by a train stage (e.g. runs/<pipeline>/…/model.safetensors).",
                                 valueName: "checkpoint"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("Serve a finished train stage of this pipeline instead of a file.", valueName: "spec"))
    var spec: String?

    @Option(help: ArgumentHelp("The train stage to serve (with --spec).", valueName: "stage"))
    var stage: String?

    @Option(help: "Which sweep variant, when the stage differs between variants (with --spec).")
    var variant: String?

    @Option(help: "Which model artifact of the stage: model (default) or ckpt_<step> (with --spec).")
    var artifact: String = "model"

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a pipeline param, as for `lema run` (with --spec).",
                                                        valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .customLong("runs-dir"), help: ArgumentHelp(
        "Directory holding runs/<name>/ (default: $LEMA_RUNS_DIR or ./runs; with --spec).", valueName: "dir"))
    var runsDirectory: String?

    @Option(help: "Address to listen on (default: loopback only).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (printed on start).")
    var port: Int = 8080

    @Option(name: .customLong("model-name"), help: "The name clients use in `model` (default: from the file name).")
    var modelName: String?

    @Option(help: "Cores used by generation.")
    var threads: Int = 1

    @Option(help: "Rows generated together at most (concurrent requests are batched).")
    var batch: Int = 8

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        switch (checkpoint, spec, stage) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("give either a CHECKPOINT file or --spec with --stage, not both")
        case (nil, .some, nil): throw ValidationError("--spec needs --stage (the train stage to serve)")
        case (nil, nil, .some): throw ValidationError("--stage needs --spec (the pipeline the stage belongs to)")
        case (nil, nil, nil): throw ValidationError("give a CHECKPOINT file, or --spec SPEC --stage STAGE")
        }
    }

    func run() throws {
        let (file, derivedName) = try modelFile()
        let model = try ServedModel.load(contentsOf: file, name: modelName ?? derivedName)
        let server = ModelServer(model: model, configuration: ServeConfiguration(
            host: host, port: port, threads: threads, batchRows: batch))
        let shownHost = host.contains(":") ? "[\(host)]" : host
        try BlockingTask.run {
            let bound = try await server.start(stopOnSignals: true)
            // Unbuffered, so a parent process reading the pipe sees the address at once.
            let line = "lema serve: listening on http://\(shownHost):\(bound)/v1 (model \(model.name))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
            await server.waitUntilStopped()
        }
        FileHandle.standardOutput.write(Data("lema serve: stopped\n".utf8))
    }

    /// The weights file to serve and, for a stage, the model name it implies.
    private func modelFile() throws -> (URL, String?) {
        if let checkpoint { return (URL(fileURLWithPath: checkpoint), nil) }
        guard let spec, let stage else { throw ValidationError("give a CHECKPOINT file, or --spec SPEC --stage STAGE") }
        let files = PipelineFiles(spec: spec, overrides: overrides, runsDirectory: runsDirectory)
        let graph = try files.compile()
        let node = try graph.singleNode(stage: stage, variant: variant)
        let runDirectory = files.runDirectory(for: graph)
        let store = try files.openStore(for: graph, mustExist: true)
        defer { try? store.close() }
        guard let record = try store.nodeRecord(node.id), record.status == .succeeded else {
            throw CLIError(message: "stage '\(stage)' has not finished (run `lema status \(spec)`)")
        }
        guard let relative = record.artifacts[artifact] else {
            throw CLIError(message: "stage '\(stage)' has no artifact '\(artifact)' (it has: "
                + record.artifacts.keys.sorted().joined(separator: ", ") + "); serve a train stage's model")
        }
        let name = [stage, variant, artifact == "model" ? nil : artifact].compactMap { $0 }.joined(separator: "/")
        return (runDirectory.appendingPathComponent(relative), name)
    }
}
