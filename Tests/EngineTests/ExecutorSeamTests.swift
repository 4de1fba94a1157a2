import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Engine

/// The executor seam: each node starts on the executor its `execution` names, holds that executor's room while it
/// runs, and a node whose executor is not available runs in-process as before.
@Suite struct ExecutorSeamTests {
    /// An executor that runs attempts in-process on its own threads, records which stages it was given, and has
    /// room for `capacity` nodes at once (a stand-in for a remote executor's `max_jobs`).
    final class RecordingExecutor: NodeExecutor, @unchecked Sendable {
        // @unchecked Sendable: `inFlight`/`peak` are touched under the scheduler's lock, `started` under `lock`.
        let capacity: Int
        private var inFlight = 0
        private(set) var peak = 0
        private let lock = NSLock()
        private var startedStages: [String] = []

        init(capacity: Int) { self.capacity = capacity }

        var started: [String] { lock.lock(); defer { lock.unlock() }; return startedStages.sorted() }

        func reserve(_ i: Int, in scheduler: Scheduler) -> Bool {
            guard inFlight < capacity else { return false }
            inFlight += 1
            peak = max(peak, inFlight)
            return true
        }

        func release(_ i: Int, in scheduler: Scheduler) { inFlight -= 1 }

        func start(_ i: Int, in scheduler: Scheduler) {
            lock.lock()
            startedStages.append(scheduler.nodes[i].stage)
            lock.unlock()
            DispatchQueue.global().async {
                for n in scheduler.runAttempt(i) { scheduler.launch(n) }
            }
        }
    }

    /// a (local) ──► b (slurm, swept over three values of x, one failing once) ──► c (local).
    static let spec = """
        name: seam
        params: {x: 1}
        sweep:
          grid: {x: [1, 2, 3]}
        stages:
          a: {kind: step}
          b: {kind: step, inputs: [a], x: "${params.x}", executor: slurm, retries: 1}
          c: {kind: step, inputs: [b]}
        """

    static func run(_ graph: Graph, counter: RunFixtures.Counter, in dir: URL,
                    executors: [ExecutorKind: any NodeExecutor]) throws -> RunSummary {
        let store = try Store(path: dir.appendingPathComponent("state.sqlite"))
        defer { try? store.close() }
        let options = RunOptions(jobs: 2, progress: .quiet, retryBaseDelay: 0.001, handleSignals: false)
        let runner = Runner(graph: graph, store: store, registry: RunFixtures.registry(counter), runDirectory: dir,
                            options: options)
        runner.executors = executors
        return try runner.run()
    }

    @Test func eachNodeStartsOnTheExecutorItsExecutionNames() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile(Self.spec, counter: counter)
            let remote = RecordingExecutor(capacity: 1)
            let summary = try Self.run(graph, counter: counter, in: dir, executors: [.slurm: remote])
            #expect(summary.exitCode == 0)
            #expect(summary.succeeded.count == 7)
            #expect(remote.started == ["b", "b", "b"])
            #expect(remote.peak == 1)  // its room, not the two local tokens, bounds it
            let c = try #require(graph.nodes(ofStage: "c").first)
            let text = try String(contentsOf: dir.appendingPathComponent("nodes/c-\(c.id.prefix(12))/out.txt"),
                                  encoding: .utf8)
            #expect(text == "c<b<a>>")
        }
    }

    @Test func retriesStartAgainOnTheSameExecutor() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let spec = Self.spec.replacingOccurrences(of: "retries: 1}", with: "retries: 1, fail_times: 1}")
            let graph = try RunFixtures.compile(spec, counter: counter)
            let remote = RecordingExecutor(capacity: 2)
            let summary = try Self.run(graph, counter: counter, in: dir, executors: [.slurm: remote])
            #expect(summary.exitCode == 0)
            // `fail_times` counts executions of the stage across variants: the first b fails once and is retried.
            #expect(summary.succeeded.count == 7)
            #expect(remote.started == Array(repeating: "b", count: 4))
            #expect(counter.count("b") == 4)
            #expect(remote.peak <= 2)
        }
    }

    @Test func nodesWhoseExecutorIsNotAvailableRunInProcess() throws {
        try RunFixtures.withTemporaryDirectory { dir in
            let counter = RunFixtures.Counter()
            let graph = try RunFixtures.compile(Self.spec, counter: counter)
            let summary = try Self.run(graph, counter: counter, in: dir, executors: [:])
            #expect(summary.exitCode == 0)
            #expect(counter.count("b") == 3)
        }
    }
}
