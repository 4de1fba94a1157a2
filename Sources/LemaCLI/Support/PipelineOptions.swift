import ArgumentParser
import Engine
import Foundation
import StageAPI

/// The options every pipeline command shares: the spec, `--set` overrides and where runs live.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline spec (YAML), e.g. pipelines/lema.yaml.")
    var spec: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a pipeline param (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .customLong("runs-dir"), help: ArgumentHelp(
        "Directory holding runs/<name>/ (default: $LEMA_RUNS_DIR or ./runs).", valueName: "dir"))
    var runsDirectory: String?

    /// The spec, overrides and runs directory these options name.
    var files: PipelineFiles { PipelineFiles(spec: spec, overrides: overrides, runsDirectory: runsDirectory) }

    /// Compiles the spec against the known stage kinds (throws `SpecErrors` on any problem).
    func compile() throws -> Graph { try files.compile() }

    /// `runs/<pipeline>/` for a compiled graph.
    func runDirectory(for graph: Graph) -> URL { files.runDirectory(for: graph) }

    /// `runs/<pipeline>/state.sqlite` for a compiled graph.
    func storePath(for graph: Graph) -> URL { files.storePath(for: graph) }

    /// Opens the run's store; `mustExist` makes a missing store an error instead of creating one.
    func openStore(for graph: Graph, mustExist: Bool, options: StoreOptions = StoreOptions()) throws -> Store {
        try files.openStore(for: graph, mustExist: mustExist, options: options)
    }
}

/// A pipeline as the CLI names it: spec path, `--set` overrides, runs directory. The one place that compiles a spec
/// for a command and finds its run directory and store (`lema serve --spec` names them with options of its own).
struct PipelineFiles {
    var spec: String
    var overrides: [String] = []
    var runsDirectory: String?

    /// Compiles the spec against the known stage kinds (throws `SpecErrors` on any problem).
    func compile() throws -> Graph {
        let url = URL(fileURLWithPath: spec)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CLIError(message: "no spec file at '\(spec)'", code: LemaExitCode.invalidSpec)
        }
        return try PipelineCompiler.compile(file: url, overrides: overrides, registry: KindCatalog.registry)
    }

    /// `runs/<pipeline>/` for a compiled graph.
    func runDirectory(for graph: Graph) -> URL {
        RunLocation.directory(pipeline: graph.pipelineName, runsDirectory: runsDirectory)
    }

    /// `runs/<pipeline>/state.sqlite` for a compiled graph.
    func storePath(for graph: Graph) -> URL {
        runDirectory(for: graph).appendingPathComponent(RunLocation.storeFileName)
    }

    /// Opens the run's store; `mustExist` makes a missing store an error instead of creating one.
    func openStore(for graph: Graph, mustExist: Bool, options: StoreOptions = StoreOptions()) throws -> Store {
        let path = storePath(for: graph)
        if mustExist, !FileManager.default.fileExists(atPath: path.path) {
            throw CLIError(message: "pipeline '\(graph.pipelineName)' has not run yet (no \(path.path)); "
                + "start it with: lema run \(spec)")
        }
        return try Store(path: path, options: options)
    }
}

/// Where runs live: `--runs-dir`, else `$LEMA_RUNS_DIR`, else `./runs`.
enum RunLocation {
    /// The run's database, in its run directory.
    static let storeFileName = "state.sqlite"

    static func directory(pipeline: String, runsDirectory: String?) -> URL {
        let base = runsDirectory ?? ProcessInfo.processInfo.environment["LEMA_RUNS_DIR"] ?? "runs"
        return URL(fileURLWithPath: base).appendingPathComponent(pipeline)
    }
}

extension Graph {
    /// Nodes of a stage, or a CLI error naming the known stages (with a suggestion).
    func requireStage(_ stage: String) throws -> [GraphNode] {
        let found = nodes(ofStage: stage)
        if !found.isEmpty { return found }
        var stages: [String] = []
        for node in nodes where !stages.contains(node.stage) { stages.append(node.stage) }
        throw CLIError(message: "no stage '\(stage)' in pipeline '\(pipelineName)'\(Suggestions.hint(for: stage, in: stages)) "
            + "(stages: \(stages.joined(separator: ", ")))")
    }

    /// The one node of `stage` (in `variant` when given), or a CLI error saying how to choose: in a sweep a stage
    /// may have a node per variant.
    func singleNode(stage: String, variant: String?) throws -> GraphNode {
        var nodes = try requireStage(stage)
        if let variant {
            guard variants.contains(where: { $0.name == variant }) else {
                throw CLIError(message: "no variant '\(variant)' (variants: "
                    + variants.map(\.name).joined(separator: ", ") + ")")
            }
            nodes = nodes.filter { $0.variants.contains(variant) }
        }
        guard nodes.count == 1, let node = nodes.first else {
            throw CLIError(message: "stage '\(stage)' differs between variants; choose one with --variant "
                + "(one of: " + nodes.flatMap(\.variants).joined(separator: ", ") + ")")
        }
        return node
    }

    /// All descendants of the given nodes (including them), in graph order.
    func descendants(of ids: Set<String>) -> [GraphNode] {
        var marked = ids
        var out: [GraphNode] = []
        for node in nodes {  // topological order: parents are decided before children
            if marked.contains(node.id) || node.parentIDs.contains(where: marked.contains) {
                marked.insert(node.id)
                out.append(node)
            }
        }
        return out
    }
}
