import ArgumentParser
import Engine
import Foundation

/// `lema export STAGE --format jsonl`: writes a finished stage's artifact to stdout or a file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a finished stage's output (JSONL) to stdout or a file.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl }

    @OptionGroup var pipeline: PipelineOptions

    @Argument(help: "The stage name.")
    var stage: String

    @Option(help: "Output format (jsonl).")
    var format: Format = .jsonl

    @Option(help: "Which artifact of the stage (default: its only or first artifact by name).")
    var artifact: String?

    @Option(help: "Which sweep variant, when the stage differs between variants.")
    var variant: String?

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of stdout.")
    var output: String?

    func run() throws {
        let graph = try pipeline.compile()
        let node = try graph.singleNode(stage: stage, variant: variant)
        let store = try pipeline.openStore(for: graph, mustExist: true)
        defer { try? store.close() }
        guard let record = try store.nodeRecord(node.id), record.status == .succeeded else {
            throw CLIError(message: "stage '\(stage)' has not finished (run `lema status \(pipeline.spec)`)")
        }
        let names = record.artifacts.keys.sorted()
        guard let name = artifact ?? (names.count == 1 ? names.first : names.first),
              let relative = record.artifacts[name] else {
            throw CLIError(message: artifact.map { "stage '\(stage)' has no artifact '\($0)' (it has: "
                + names.joined(separator: ", ") + ")" } ?? "stage '\(stage)' produced no artifact to export")
        }
        let file = pipeline.runDirectory(for: graph).appendingPathComponent(relative)
        let data = try Data(contentsOf: file)
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
