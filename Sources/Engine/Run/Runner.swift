import Foundation
import LemaCore
import StageAPI

/// Runs a compiled pipeline against its store: registers the graph, takes the run lock (a dead owner's lock is
/// taken over), reclaims nodes a crashed run left `running`, plans, and executes what the plan says on the worker
/// pool. Running it again after any interruption resumes: finished nodes are skipped, finished items kept.
public final class Runner {
    let graph: Graph
    let store: Store
    let registry: KindRegistry
    let runDirectory: URL
    let options: RunOptions

    /// `runDirectory` is `runs/<pipeline>/`; node outputs go to `runDirectory/nodes/<stage>-<fp12>/`.
    public init(graph: Graph, store: Store, registry: KindRegistry, runDirectory: URL, options: RunOptions) {
        self.graph = graph
        self.store = store
        self.registry = registry
        self.runDirectory = runDirectory
        self.options = options
    }

    /// The plan as it stands (no side effects beyond reading the store).
    public func plan() throws -> [String: PlanDecision] {
        Planner.plan(graph: graph, records: try store.nodeRecords(), only: options.only)
    }

    /// Executes the pipeline. Throws for problems that prevent running at all (lock held by a live process,
    /// store errors); node failures are reported in the summary (`exitCode` 1), an interruption by `exitCode` 130.
    public func run() throws -> RunSummary {
        let start = Date()
        if options.dryRun { return try dryRun(start: start) }

        let pid = getpid()
        try store.acquireRunLock(pid: pid, command: options.commandLine)
        defer { try? store.releaseRunLock(pid: pid) }
        try store.register(graph)
        let reclaimed = try store.reclaimOrphans()
        let records = try store.nodeRecords()
        let plan = Planner.plan(graph: graph, records: records, only: options.only)
        let toRun = plan.values.filter(\.willRun).count

        let recorder = StateRecorder(store: store)
        let reporter = ProgressReporter(mode: options.progress, totalToRun: toRun, output: options.output)
        if !reclaimed.isEmpty {
            reporter.log("reclaimed \(reclaimed.count) node(s) left running by a crashed run; their finished items are kept")
        }
        let scheduler = Scheduler(graph: graph, plan: plan, records: records, options: options, registry: registry,
                                  runDirectory: runDirectory, recorder: recorder, reporter: reporter)
        var trap: SignalTrap?
        if options.handleSignals {
            let forced = options.onForcedExit
            let store = self.store
            trap = SignalTrap(onFirst: { _ in scheduler.interrupt() }, onSecond: { _ in
                reporter.log("second interrupt: exiting now")
                reporter.stop()
                forced?()
                recorder.flushForExit()
                try? store.flush()
                _exit(130)
            })
        }
        reporter.start()
        var summary = scheduler.execute()
        trap?.uninstall()
        reporter.stop()
        let flushError = Result { try recorder.flush() }
        try store.flush()
        try flushError.get()
        summary.wallSeconds = Date().timeIntervalSince(start)
        return summary
    }

    private func dryRun(start: Date) throws -> RunSummary {
        let plan = try plan()
        var summary = RunSummary(pipeline: graph.pipelineName)
        summary.dryRun = true
        for node in graph.nodes {
            let variants = node.variants.count == graph.variants.count ? [] : node.variants
            guard let decision = plan[node.id] else { continue }
            let entry = RunSummary.Entry(nodeID: node.id, stage: node.stage, variants: variants, reason: decision.reason)
            if decision.willRun { summary.planned.append(entry) } else { summary.skipped.append(entry) }
        }
        summary.wallSeconds = Date().timeIntervalSince(start)
        return summary
    }
}
