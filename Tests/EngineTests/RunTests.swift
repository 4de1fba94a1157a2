import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Engine

/// The runner in-process with the counting `step` kind (see RunTestSupport.swift).
@Suite struct RunTests {
    /// gen ──► sample ──► train(x = ratio) ──► eval, swept over five ratios: only train and eval differ.
    static let sweepSpec = """
        name: sweep
        params: {ratio: 0.1}
        sweep:
          grid: {ratio: [0.1, 0.2, 0.3, 0.4, 0.5]}
        stages:
          gen: {kind: step}
          sample: {kind: step, inputs: [gen]}
          train: {kind: step, inputs: [sample], x: "${params.ratio}"}
          eval: {kind: step, inputs: [train]}
        """

    @Test func sweepExecutesEachSharedUpstreamStageOnce() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile(Self.sweepSpec, counter: counter)
            let (summary, records) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(counter.count("gen") == 1)
            #expect(counter.count("sample") == 1)
            #expect(counter.count("train") == 5)
            #expect(counter.count("eval") == 5)
            #expect(summary.exitCode == 0)
            #expect(summary.succeeded.count == 12)
            #expect(records.values.filter { $0.status == .succeeded }.count == 12)

            // Running again is a no-op: everything skipped as up to date, nothing executed.
            let (again, _) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(counter.total == 12)
            #expect(again.succeeded.isEmpty)
            #expect(again.skipped.count == 12)
            #expect(again.skipped.allSatisfy { $0.reason == Planner.Reason.upToDate })
        }
    }

    @Test func dataFlowsThroughArtifactsOfSkippedAndRunParents() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let spec = { (x: Int) in """
                name: flow
                stages:
                  a: {kind: step}
                  b: {kind: step, inputs: [a]}
                  c: {kind: step, inputs: [b, a], x: \(x)}
                """ }
            _ = try RunFixtures.run(try RunFixtures.compile(spec(1), counter: counter), counter: counter, in: dir)
            // Second run: a and b are skipped, c reruns and must still see their stored artifacts.
            let graph = try RunFixtures.compile(spec(2), counter: counter)
            let (summary, records) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(summary.succeeded.map(\.stage) == ["c"])
            let c = try #require(graph.onlyNode("c"))
            let path = try #require(records[c.id]?.artifacts["out"])
            #expect(path == "nodes/c-\(c.id.prefix(12))/out.txt")
            #expect(try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8) == "c<b<a>><a>")
        }
    }

    /// a ──► bad ──► child      a ──► good ──► good2
    @Test func failureBlocksOnlyDescendants() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: keepgoing
                stages:
                  a: {kind: step}
                  bad: {kind: step, inputs: [a], fail_times: -1, retryable: false}
                  child: {kind: step, inputs: [bad]}
                  good: {kind: step, inputs: [a]}
                  good2: {kind: step, inputs: [good]}
                """, counter: counter)
            let (summary, records) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(summary.exitCode == 1)
            #expect(Set(summary.succeeded.map(\.stage)) == ["a", "good", "good2"])
            #expect(summary.failed.map(\.stage) == ["bad"])
            #expect(summary.blocked.map(\.stage) == ["child"])
            #expect(summary.blocked.first?.reason == "blocked by failed bad")
            #expect(counter.count("child") == 0)
            #expect(records[try #require(graph.onlyNode("child")).id]?.status == .blocked)
            #expect(records[try #require(graph.onlyNode("bad")).id]?.error == "bad failed on purpose (attempt 1)")
            #expect(summary.text.contains("FAILED  bad: bad failed on purpose (attempt 1)"))
            #expect(summary.text.contains("blocked child: blocked by failed bad"))
            #expect(summary.text.hasPrefix("keepgoing: 3 ran, 0 skipped, 1 failed, 1 blocked in "))
        }
    }

    @Test(arguments: [(retries: 2, succeeds: true, executions: 3), (retries: 1, succeeds: false, executions: 2)])
    func retriesWithBackoff(retries: Int, succeeds: Bool, executions: Int) throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: retry
                stages:
                  flaky: {kind: step, fail_times: 2, retries: \(retries)}
                """, counter: counter)
            let (summary, records) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(counter.count("flaky") == executions)
            let record = try #require(records[graph.nodes[0].id])
            #expect(record.attempts == executions)
            if succeeds {
                #expect(summary.exitCode == 0)
                #expect(record.status == .succeeded)
            } else {
                #expect(summary.exitCode == 1)
                #expect(record.status == .failed)
                #expect(record.error == "flaky failed on purpose (attempt 2)")
            }
        }
    }

    @Test func nonRetryableFailureIsNotRetried() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: permanent
                stages:
                  broken: {kind: step, fail_times: -1, retryable: false, retries: 3}
                """, counter: counter)
            let (summary, _) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(counter.count("broken") == 1)
            #expect(summary.failed.count == 1)
        }
    }

    @Test func backoffIsExponentialWithDeterministicJitter() throws {
        let graph = try RunFixtures.compile("name: b\nstages:\n  s: {kind: step}\n", counter: RunFixtures.Counter())
        let options = RunOptions(jobs: 1, retryBaseDelay: 1, retryMaxDelay: 5, handleSignals: false)
        func scheduler() throws -> Scheduler {
            let store = try Store(path: FileManager.default.temporaryDirectory.appendingPathComponent("lema-bk-\(UUID()).sqlite"))
            return Scheduler(graph: graph, plan: [:], records: [:], options: options, registry: KindRegistry(),
                             runDirectory: URL(fileURLWithPath: "/tmp"), recorder: StateRecorder(store: store),
                             reporter: ProgressReporter(mode: .quiet, totalToRun: 0, output: nil))
        }
        let one = try scheduler(), two = try scheduler()
        let node = graph.nodes[0]
        for attempt in 1...5 {
            let delay = one.backoffDelay(node: node, attempt: attempt)
            let nominal = min(5, pow(2, Double(attempt - 1)))
            #expect(delay >= nominal * 0.5 && delay < nominal, "attempt \(attempt): \(delay)")
            #expect(delay == two.backoffDelay(node: node, attempt: attempt))
        }
    }

    @Test func timeoutCancelsTheNodeAndFailsIt() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: slow
                stages:
                  hang: {kind: step, until_cancelled: true, timeout: 0.2}
                  after: {kind: step, inputs: [hang]}
                """, counter: counter)
            let (summary, records) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(summary.failed.map(\.reason) == ["timed out after 0.20s (timeout: in the spec)"])
            #expect(summary.blocked.map(\.stage) == ["after"])
            #expect(records[try #require(graph.onlyNode("hang")).id]?.status == .failed)
        }
    }

    @Test func wideNodesHoldTokensAndNeverOversubscribe() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: tokens
                stages:
                  wide: {kind: step, threads: 8, wait_ms: 20, x: 0}
                  n1: {kind: step, wait_ms: 20, x: 1}
                  n2: {kind: step, wait_ms: 20, x: 2}
                  n3: {kind: step, wait_ms: 20, x: 3}
                  n4: {kind: step, inputs: [wide], threads: 2, wait_ms: 20, x: 4}
                """, counter: counter)
            let (summary, _) = try RunFixtures.run(graph, counter: counter, in: dir, jobs: 2)
            #expect(summary.exitCode == 0)
            #expect(counter.total == 5)
            // `threads: 8` with --jobs 2 gets both tokens (its context says 2) and runs alone.
            #expect(counter.peakTokenUse <= 2)
        }
    }

    @Test func dryRunChangesNothing() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile(Self.sweepSpec, counter: counter)
            let (summary, records) = try RunFixtures.run(graph, counter: counter, in: dir, dryRun: true)
            #expect(counter.total == 0)
            #expect(records.isEmpty)
            #expect(summary.planned.count == 12)
            #expect(summary.text.hasPrefix("sweep: dry run — 12 node(s) would run, 0 skipped"))
        }
    }

    @Test func failedNodeRerunsOnTheNextRunAndUnblocksItsChildren() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: rerun
                stages:
                  once: {kind: step, fail_times: 1}
                  next: {kind: step, inputs: [once]}
                """, counter: counter)
            let (first, _) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(first.exitCode == 1)
            #expect(first.blocked.map(\.stage) == ["next"])
            let (second, records) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(second.exitCode == 0)
            #expect(second.succeeded.map(\.stage) == ["once", "next"])
            #expect(records[try #require(graph.onlyNode("once")).id]?.reason == "previous attempt failed: once failed on purpose (attempt 1)")
        }
    }
}

extension RunTests {
    @Test func deletedOutputsMakeTheNodeRunAgain() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: gone
                stages:
                  a: {kind: step}
                  b: {kind: step, inputs: [a]}
                """, counter: counter)
            let (_, records) = try RunFixtures.run(graph, counter: counter, in: dir)
            let a = try #require(graph.onlyNode("a"))
            let path = try #require(records[a.id]?.artifacts["out"])
            try FileManager.default.removeItem(at: dir.appendingPathComponent(path))
            let (summary, after) = try RunFixtures.run(graph, counter: counter, in: dir)
            #expect(summary.succeeded.map(\.stage) == ["a", "b"])
            #expect(after[a.id]?.reason == "output missing on disk: out (\(path))")
            #expect(summary.succeeded.last?.reason == Planner.Reason.upstreamWillRun)
            #expect(counter.count("a") == 2)
        }
    }
}

extension RunTests {
    /// a (fails) and b are independent; with --no-keep-going nothing starts after a's failure.
    @Test func noKeepGoingStopsStartingNewWork() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile("""
                name: strict
                stages:
                  a: {kind: step, fail_times: -1, retryable: false}
                  b: {kind: step, x: 1}
                  c: {kind: step, x: 2, inputs: [b]}
                """, counter: counter)
            let (summary, _) = try RunFixtures.run(graph, counter: counter, in: dir, jobs: 1, keepGoing: false)
            #expect(summary.exitCode == 1)
            #expect(summary.failed.map(\.stage) == ["a"])
            #expect(counter.count("b") == 0 && counter.count("c") == 0)
            #expect(Set(summary.notStarted.map(\.stage)) == ["b", "c"])
            #expect(summary.text.contains("  2 node(s) not started (stopped after a failure (--no-keep-going))"))
        }
    }
}
