import Foundation
import LemaCore
import StageAPI

/// Executes the nodes a plan marked `run`. Parents finish before children; each ready node starts on its executor
/// (`NodeExecutor`, chosen per node from `GraphNode.execution`) once that executor has room: locally a node with
/// `threads: k` holds `min(k, jobs)` worker tokens while it runs.
///
/// All mutable scheduling state lives behind `lock` (a condition lock); the calling thread sleeps on it until the
/// run ends, and the last worker to leave broadcasts.
final class Scheduler: @unchecked Sendable {
    /// One node's scheduling state; each case carries what the scheduler needs in it (one value per node, no
    /// parallel arrays). `attempt` counts this run's attempts of the node (1 for the first).
    enum NodeState {
        /// Planned to run, `remainingParents` planned parents not finished yet.
        case waiting(remainingParents: Int)
        /// In the ready queue; `attempts` already made this run (0 before the first).
        case ready(attempts: Int)
        case running(NodeContext, attempt: Int)
        /// Failed an attempt; waiting out the backoff (until `until`) before the next one (holds no tokens).
        case retryWait(attempt: Int, until: DispatchTime)
        /// Its outcome serves the children's inputs.
        case succeeded(StageOutcome)
        case failed(message: String)
        /// Not started because an ancestor (node index `by`) failed.
        case blocked(by: Int)
        /// Planned skip (up to date or not selected); its stored artifacts (when it has a record) serve children.
        case skipped(StageOutcome?)
        /// Stopped by SIGINT/SIGTERM (or never restarted after one); back to pending.
        case interrupted
    }

    let graph: Graph
    let nodes: [GraphNode]
    let plan: [String: PlanDecision]
    let options: RunOptions
    let registry: KindRegistry
    let runDirectory: URL
    let recorder: StateRecorder
    let reporter: ProgressReporter
    /// Node index → children indices.
    let children: [[Int]]
    let parents: [[Int]]
    let indexByID: [String: Int]
    /// The in-process executor (`--jobs` tokens); also where nodes whose executor is not available run.
    let local: LocalExecutor
    /// Node index → its executor (one array, so the hot path neither hashes nor allocates).
    let executorOfNode: [any NodeExecutor]

    let lock = NSCondition()
    // Everything below is guarded by `lock`.
    var states: [NodeState]
    /// FIFO of ready node indices (`readyHead` is the next to take) — graph order, so runs start predictably.
    var ready: [Int] = []
    var readyHead = 0
    /// Nodes running or waiting for a retry.
    var active = 0
    /// Set by SIGINT/SIGTERM, or by a failure without keep-going: start nothing new.
    var stopping = false
    var interruptedBySignal = false
    /// `_variants` input summaries by producer node, a cache (see `makeContext`).
    var variantsValues: [Int: JSONValue] = [:]
    var summary: RunSummary

    init(graph: Graph, plan: [String: PlanDecision], records: [String: NodeRecord], options: RunOptions,
         registry: KindRegistry, runDirectory: URL, recorder: StateRecorder, reporter: ProgressReporter,
         executors: [ExecutorKind: any NodeExecutor] = [:]) {
        self.graph = graph
        nodes = graph.nodes
        self.plan = plan
        self.options = options
        self.registry = registry
        self.runDirectory = runDirectory
        self.recorder = recorder
        self.reporter = reporter
        var indexByID: [String: Int] = [:]
        indexByID.reserveCapacity(nodes.count)
        for (i, node) in nodes.enumerated() { indexByID[node.id] = i }
        var children = [[Int]](repeating: [], count: nodes.count)
        var parents = [[Int]](repeating: [], count: nodes.count)
        for i in nodes.indices {
            for parentID in nodes[i].parentIDsFast {
                guard let p = indexByID[parentID] else { continue }
                children[p].append(i)
                parents[i].append(p)
            }
        }
        self.children = children
        self.parents = parents
        self.indexByID = indexByID
        states = [NodeState](repeating: .waiting(remainingParents: 0), count: nodes.count)
        let local = LocalExecutor(jobs: options.jobs)
        self.local = local
        executorOfNode = nodes.map { executors[$0.execution.executor] ?? local }
        summary = RunSummary(pipeline: graph.pipelineName)

        for i in nodes.indices {
            let decision = plan[nodes[i].id] ?? .run(reason: Planner.Reason.newNode)
            guard decision.willRun else {
                states[i] = .skipped(records[nodes[i].id].map {
                    StageOutcome(artifacts: $0.artifacts, summary: $0.summary)
                })
                summary.skipped.append(entry(i, reason: decision.reason))
                continue
            }
            let remaining = parents[i].filter { plan[nodes[$0].id]?.willRun ?? true }.count
            if remaining == 0 {
                states[i] = .ready(attempts: 0)
                ready.append(i)
            } else {
                states[i] = .waiting(remainingParents: remaining)
            }
        }
    }

    func entry(_ i: Int, reason: String) -> RunSummary.Entry {
        let node = nodes[i]
        let variants = node.variants.count == graph.variants.count ? [] : node.variants
        return RunSummary.Entry(nodeID: node.id, stage: node.stage, variants: variants, reason: reason)
    }

    /// Runs everything that can run; returns when no node is running and none can start.
    func execute() -> RunSummary {
        let start = Date()
        let first = lock.locked { takeLaunchable() }
        for i in first { launch(i) }
        lock.lock()
        while !isIdleLocked { lock.wait() }
        for i in states.indices {
            switch states[i] {
            case .ready, .waiting:
                let why = interruptedBySignal ? Planner.Reason.interrupted
                    : options.detach && !summary.detached.isEmpty
                    ? "not started: waits for detached Slurm jobs (run `lema run` again to follow them)"
                    : "not started: stopped after a failure (--no-keep-going)"
                summary.notStarted.append(entry(i, reason: why))
            default: break
            }
        }
        lock.unlock()
        summary.wallSeconds = Date().timeIntervalSince(start)
        summary.interrupted = interruptedBySignal
        return summary
    }

    /// True when nothing runs and nothing more will start. Caller holds `lock`.
    var isIdleLocked: Bool { active == 0 && (stopping || readyHead == ready.count) }

    /// Pops ready nodes while their executors have room (the head waits for room: no starvation of wide nodes).
    /// Caller holds `lock`.
    func takeLaunchable() -> [Int] {
        var out: [Int] = []
        while !stopping, readyHead < ready.count {
            let i = ready[readyHead]
            guard executorOfNode[i].reserve(i, in: self) else { break }
            readyHead += 1
            active += 1
            out.append(i)
        }
        if readyHead > 4096, readyHead * 2 > ready.count {  // compact the consumed prefix now and then
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        return out
    }

    /// Threads node `i` is given (its worker tokens when it runs locally).
    func tokens(for i: Int) -> Int { local.tokens(for: nodes[i]) }

    /// Starts node `i` (room already reserved) on its executor.
    func launch(_ i: Int) { executorOfNode[i].start(i, in: self) }

    /// Wakes `execute()` if the run is over. Caller holds `lock`.
    func wakeIfIdleLocked() {
        if isIdleLocked { lock.broadcast() }
    }

    // MARK: Stopping

    /// First SIGINT/SIGTERM: start nothing new, ask running nodes to save and stop, drop pending retries.
    func interrupt() {
        let contexts: [NodeContext] = lock.locked {
            stopping = true
            interruptedBySignal = true
            var running: [NodeContext] = []
            for i in states.indices {
                switch states[i] {
                case .running(let context, _): running.append(context)
                case .retryWait:
                    states[i] = .interrupted
                    active -= 1
                    summary.interruptedNodes.append(entry(i, reason: Planner.Reason.interrupted))
                    recorder.pending(nodes[i].id, reason: Planner.Reason.interrupted)
                default: break
                }
            }
            wakeIfIdleLocked()
            return running
        }
        reporter.log("interrupted: stopping \(contexts.count) running node(s) (press Ctrl-C again to exit now)")
        for context in contexts { context.cancel(.interrupted) }
        var seen = Set<ObjectIdentifier>()
        for executor in executorOfNode where seen.insert(ObjectIdentifier(executor)).inserted {
            executor.interrupt(in: self)
        }
    }

    /// Whether a SIGINT/SIGTERM stopped the run (an attempt that fails now was stopped, not broken).
    func interruptedBySignalNow() -> Bool { lock.locked { interruptedBySignal } }
}

extension NSCondition {
    /// Runs `body` holding the lock.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
