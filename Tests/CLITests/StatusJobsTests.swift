import Engine
import Foundation
import Testing
@testable import LemaCLI

/// `lema status` and `lema why` with cluster jobs: each node's latest job, its Slurm state and elapsed time, what
/// Slurm says while it lives, and what ended the job a retry replaces.
@Suite struct StatusJobsTests {
    static func makeGraph() throws -> Graph {
        let spec = """
            name: jobs
            stages:
              a: {kind: command, argv: ["true"]}
              b: {kind: command, argv: ["true"]}
              c: {kind: command, argv: ["true"]}
            """
        return try PipelineCompiler.compile(text: spec, fileName: "jobs.yaml", specDirectory: URL(fileURLWithPath: "/"),
                                            overrides: [], registry: KindCatalog.registry)
    }

    let graph: Graph
    let jobs: [JobRecord]

    init() throws {
        graph = try Self.makeGraph()
        let ids = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.stage, $0.id) })
        func job(_ stage: String, attempt: Int, id: String, state: String, reason: String, ended: Bool,
                 startedAgo: Double?) -> JobRecord {
            JobRecord(node: ids[stage] ?? stage, attempt: attempt, jobName: "lema.jobs.\(stage).\(attempt)", jobID: id,
                      submittedAt: Self.now.addingTimeInterval(-100), state: state, reason: reason,
                      endedAt: ended ? Self.now.addingTimeInterval(-50) : nil,
                      startedAt: startedAgo.map { Self.now.addingTimeInterval(-$0) })
        }
        jobs = [
            job("a", attempt: 1, id: "11", state: "CANCELLED", reason: "CANCELLED by uid 0: scancel …", ended: true,
                startedAgo: 90),
            job("a", attempt: 2, id: "15", state: "RUNNING", reason: "RUNNING on node7", ended: false, startedAgo: 12),
            job("b", attempt: 1, id: "12", state: "PENDING", reason: "PENDING (Resources): waiting for free resources",
                ended: false, startedAgo: nil),
        ]
    }

    static let now = Date(timeIntervalSince1970: 1_000_000)

    @Test func statusShowsEachNodesLatestJobAndWhatSlurmSays() throws {
        #expect(graph.nodes.count == 3)
        let text = StatusReport.render(graph: graph, records: [:], plan: [:], lockOwner: nil, jobs: jobs,
                                       now: Self.now)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1].contains("JOB") && lines[1].contains("SLURM") && lines[1].contains("ELAPSED"))
        let a = try #require(lines.first { $0.hasPrefix("a ") })
        #expect(a.contains("15 (#2)") && a.contains("RUNNING") && a.contains("12.0s"), "\(a)")
        #expect(a.contains("RUNNING on node7 (retry; job 11 ended CANCELLED by uid 0"), "\(a)")
        let b = try #require(lines.first { $0.hasPrefix("b ") })
        #expect(b.contains("12 ") && b.contains("PENDING (Resources): waiting for free resources"), "\(b)")
        let c = try #require(lines.first { $0.hasPrefix("c ") })
        #expect(!c.contains("PENDING") && !c.contains("RUNNING"), "\(c)")
    }

    @Test func statusWithoutJobsKeepsItsColumns() {
        let text = StatusReport.render(graph: graph, records: [:], plan: [:], lockOwner: nil)
        #expect(!text.contains("SLURM"))
    }

    @Test func whySaysANodeWaitsForItsJob() {
        let text = Why.explain(nodes: graph.nodes, graph: graph, records: [:], plan: [:], jobs: jobs)
        #expect(text.contains("waits for its Slurm job 15 (attempt 2): RUNNING on node7"), "\(text)")
        #expect(text.contains("waits for its Slurm job 12 (attempt 1): PENDING (Resources)"), "\(text)")
        #expect(text.components(separatedBy: "waits for its Slurm job").count == 3)
    }
}
