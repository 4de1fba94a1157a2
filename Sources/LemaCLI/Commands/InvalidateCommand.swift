import ArgumentParser
import Engine
import Foundation

/// `lema invalidate STAGE`: forces the stage and everything downstream of it to run again on the next `lema run`.
struct InvalidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invalidate",
        abstract: "Force a stage and its descendants to rerun (their items and checkpoints are discarded).")

    @OptionGroup var pipeline: PipelineOptions

    @Argument(help: "The stage name.")
    var stage: String

    func run() throws {
        let graph = try pipeline.compile()
        let roots = try graph.requireStage(stage)
        let store = try pipeline.openStore(for: graph, mustExist: true)
        defer { try? store.close() }
        // Invalidation changes what a live run would read: take the run lock so it cannot race one.
        try store.acquireRunLock(command: "lema invalidate \(stage)") { ErrorFunnel.printError("lema: " + $0) }
        defer { try? store.releaseRunLock() }
        let affected = graph.descendants(of: Set(roots.map(\.id)))
        try store.register(graph)
        try store.invalidate(affected.map(\.id), reason: "invalidated by user (lema invalidate \(stage))")
        let stages = affected.map(\.stage).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        print("invalidated \(affected.count) node\(affected.count == 1 ? "" : "s") (\(stages.joined(separator: ", "))); "
            + "`lema run \(pipeline.spec)` will run them again")
    }
}
