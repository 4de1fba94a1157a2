import ArgumentParser
import Engine
import Foundation

/// `lema why STAGE`: whether each node of a stage will run or be skipped, and which fingerprint component changed
/// since the stage last ran.
struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why", abstract: "Explain why a stage will run or be skipped.")

    @OptionGroup var pipeline: PipelineOptions

    @Argument(help: "The stage name.")
    var stage: String

    func run() throws {
        let graph = try pipeline.compile()
        let nodes = try graph.requireStage(stage)
        var records: [String: NodeRecord] = [:]
        var jobs: [JobRecord] = []
        if FileManager.default.fileExists(atPath: pipeline.storePath(for: graph).path) {
            let store = try pipeline.openStore(for: graph, mustExist: true)
            defer { try? store.close() }
            records = try store.nodeRecords()
            jobs = try store.allJobs()
            if try store.currentLockOwner() == nil { jobs = LiveJobs.overlay(jobs).0 }
        }
        let onDisk = Planner.checkingArtifacts(records, of: graph, in: pipeline.runDirectory(for: graph))
        let plan = Planner.plan(graph: graph, records: onDisk, only: [])
        print(Why.explain(nodes: nodes, graph: graph, records: records, plan: plan, jobs: jobs))
    }
}
