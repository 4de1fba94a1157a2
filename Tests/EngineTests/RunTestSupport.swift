import Foundation
import LemaCore
import StageAPI
@testable import Engine

/// Fixtures of the planner and runner tests (in a namespace: EngineTests is shared with other suites).
enum RunFixtures {
    /// Counts executions per stage and the peak number of nodes running at once. Shared by the kinds of one test.
    final class Counter: @unchecked Sendable {
        // @unchecked Sendable: every field is only touched under `lock`.
        private let lock = NSLock()
        private var runs: [String: Int] = [:]
        private var running = 0
        private var peakRunning = 0
        private var tokensInUse = 0
        private var peakTokens = 0

        func begin(_ stage: String, threads: Int) -> Int {
            lock.lock()
            defer { lock.unlock() }
            runs[stage, default: 0] += 1
            running += 1
            tokensInUse += threads
            peakRunning = max(peakRunning, running)
            peakTokens = max(peakTokens, tokensInUse)
            return runs[stage]!
        }

        func end(threads: Int) {
            lock.lock()
            running -= 1
            tokensInUse -= threads
            lock.unlock()
        }

        func count(_ stage: String) -> Int { lock.lock(); defer { lock.unlock() }; return runs[stage] ?? 0 }
        var total: Int { lock.lock(); defer { lock.unlock() }; return runs.values.reduce(0, +) }
        var peak: Int { lock.lock(); defer { lock.unlock() }; return peakRunning }
        var peakTokenUse: Int { lock.lock(); defer { lock.unlock() }; return peakTokens }
    }

    /// `step`: counts its executions; optionally fails its first `fail_times` attempts (`fail_times: -1` = always,
    /// `retryable: false` makes the failure permanent), waits `wait_ms`, or spins until cancelled
    /// (`until_cancelled`). Writes `out.txt` = its stage name + the `inputs`' texts, so data flows visibly.
    struct StepKind: StageKind {
        let counter: Counter
        let name = "step"
        let version = 1
        let summary = "test step"
        let parameters: [ParameterSpec] = [
            ParameterSpec("inputs", .references, default: .array([]), doc: "upstream"),
            ParameterSpec("x", .any, default: .null, doc: "a parameter only this stage reads"),
            ParameterSpec("fail_times", .int, default: .int(0), doc: "attempts that fail"),
            ParameterSpec("retryable", .bool, default: .bool(true), doc: "whether failures are retryable"),
            ParameterSpec("wait_ms", .int, default: .int(0), doc: "sleep"),
            ParameterSpec("until_cancelled", .bool, default: .bool(false), doc: "run until cancelled"),
        ]

        func run(_ context: any StageContext) throws -> StageOutcome {
            let attempt = counter.begin(context.stageName, threads: context.threads)
            defer { counter.end(threads: context.threads) }
            let failTimes = context.params["fail_times"]?.intValue ?? 0
            if failTimes < 0 || attempt <= failTimes {
                throw StageFailure("\(context.stageName) failed on purpose (attempt \(attempt))",
                                   retryable: context.params["retryable"]?.boolValue ?? true)
            }
            if let wait = context.params["wait_ms"]?.intValue, wait > 0 { usleep(UInt32(wait * 1000)) }
            if context.params["until_cancelled"]?.boolValue == true {
                while !context.isCancelled { usleep(2000) }
                throw StageCancelled()
            }
            var text = context.stageName
            for input in context.inputs("inputs") {
                text += "<" + ((try? String(contentsOf: input.file(default: "out"), encoding: .utf8)) ?? "?") + ">"
            }
            try AtomicFile.write(Data(text.utf8), to: context.outputDirectory.appendingPathComponent("out.txt"))
            return StageOutcome(artifacts: ["out": "out.txt"], summary: ["attempt": .int(Int64(attempt))])
        }
    }

    static func registry(_ counter: Counter) -> KindRegistry { KindRegistry([StepKind(counter: counter)]) }

    static func compile(_ text: String, counter: Counter, overrides: [String] = []) throws -> Graph {
        try PipelineCompiler.compile(text: text, fileName: "spec.yaml", specDirectory: URL(fileURLWithPath: "/tmp"),
                                     overrides: overrides, registry: registry(counter))
    }

    /// A fresh directory, removed after `body`.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lema-run-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// Runs `graph` in `runDirectory` (store at `state.sqlite`) in-process, without signal handling or output.
    static func run(_ graph: Graph, counter: Counter, in runDirectory: URL, jobs: Int = 2, only: [String] = [],
                    keepGoing: Bool = true, dryRun: Bool = false) throws -> (RunSummary, [String: NodeRecord]) {
        let store = try Store(path: runDirectory.appendingPathComponent("state.sqlite"))
        defer { try? store.close() }
        let options = RunOptions(jobs: jobs, only: only, dryRun: dryRun, keepGoing: keepGoing, progress: .quiet,
                                 retryBaseDelay: 0.001, handleSignals: false)
        let summary = try Runner(graph: graph, store: store, registry: registry(counter), runDirectory: runDirectory,
                                 options: options).run()
        return (summary, try store.nodeRecords())
    }

    /// A stored record for `node` as a finished earlier run would have left it.
    static func record(_ node: GraphNode, _ status: NodeStatus, reason: String? = nil, error: String? = nil,
                       attempts: Int = 1) -> NodeRecord {
        NodeRecord(id: node.id, stage: node.stage, kind: node.kind, kindVersion: node.kindVersion, status: status,
                   attempts: attempts, startedAt: Date(timeIntervalSince1970: 1000),
                   finishedAt: Date(timeIntervalSince1970: 1001), error: error, reason: reason, artifacts: [:],
                   summary: [:], components: Store.components(of: node), progressDone: 0, progressTotal: nil,
                   progressNote: nil, ownerPID: nil)
    }
}

extension Graph {
    /// The single node of a stage (tests of single-variant graphs).
    func onlyNode(_ stage: String) -> GraphNode? { nodes.first { $0.stage == stage } }
}
