import Engine
import Foundation
import LemaCore
import Math
@testable import RunView
import StageAPI
import Testing

/// The sweep table's pass@1: provisional from the items scored so far while an evaluation runs, final from its
/// summary once it succeeded.
@Suite struct RunViewSweepTests {
    /// One `evaluate` node (its fingerprint a fake) in a one-variant graph.
    private func evaluationGraph(in directory: URL) -> Graph {
        let node = GraphNode(id: String(repeating: "e", count: 64), stage: "evaluate", kind: "evaluate", kindVersion: 1,
                             params: [:], inputs: [:], retries: 0, timeout: nil, threads: 1, variants: ["default"],
                             location: SourceLocation(file: "spec.yaml", line: 1, column: 1))
        return Graph(pipelineName: "sweep", seed: 1, specDirectory: directory, nodes: [node],
                     variants: [GraphVariant(name: "default", params: [:], stageNodes: ["evaluate": node.id])])
    }

    @Test func aRunningEvaluationShowsItsScoreSoFarThenTheFinalOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lema-ui-sweep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let graph = evaluationGraph(in: directory)
        let node = try #require(graph.nodes.first)
        let store = try Store(path: directory.appendingPathComponent("state.sqlite"))
        defer { try? store.close() }
        try store.register(graph)
        try store.markRunning(node.id, pid: getpid())
        store.setProgress(node.id, done: 5, total: 8)
        let items: [(String, Bool)] = [("test/1", true), ("test/2", false), ("test/3", true), ("test/4", true),
                                       ("dev/ckpt_10/1", true)]
        for (key, correct) in items {
            try store.recordItem(node.id, key: key, payload: Data(
                JSONValue.object(["correct": .bool(correct), "text": .string("…")]).canonicalText.utf8))
        }
        try store.flush()
        let live = LiveRun(graph: graph, storePath: store.path)
        try live.poll()
        let details = RunDetails(live: live, runDirectory: directory)
        let provisional = try #require(try details.sweep()["rows"]?.arrayValue?.first?["evaluations"]?.arrayValue?.first)
        let interval = WilsonInterval(successes: 3, total: 4)
        #expect(provisional["provisional"]?.stringValue == "4/8 so far", "dev items are not test items")
        #expect(provisional["pass_at_1"]?.stringValue == RunDetails.passAt1(0.75, interval.lower, interval.upper))

        try store.markSucceeded(node.id, outcome: StageOutcome(summary: [
            "accuracy": .double(0.625), "ci_low": .double(0.3), "ci_high": .double(0.9), "n": .int(8),
        ]), reason: "ran: new node")
        try store.flush()
        try live.poll()
        let final = try #require(try details.sweep()["rows"]?.arrayValue?.first?["evaluations"]?.arrayValue?.first)
        #expect(final["pass_at_1"]?.stringValue == "62.5% [30.0, 90.0]")
        #expect(final["provisional"] == nil)
    }
}
