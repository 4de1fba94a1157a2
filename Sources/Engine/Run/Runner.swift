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
    /// Executors for nodes that do not run in-process, by kind; a node whose executor is missing here runs locally.
    var executors: [ExecutorKind: any NodeExecutor] = [:]

    /// `runDirectory` is `runs/<pipeline>/`; node outputs go to `runDirectory/nodes/<stage>-<fp12>/`.
    public init(graph: Graph, store: Store, registry: KindRegistry, runDirectory: URL, options: RunOptions) {
        var graph = graph
        for k in graph.nodes.indices {
            if let executor = options.executor { graph.nodes[k].execution.executor = executor }
            // A kind that must stay in the controller's process does, whatever the spec or --executor say.
            if registry[graph.nodes[k].kind]?.placement == .local { graph.nodes[k].execution.executor = .local }
        }
        self.graph = graph
        self.store = store
        self.registry = registry
        self.runDirectory = runDirectory
        self.options = options
    }

    /// The plan as it stands (no side effects beyond reading the store).
    public func plan() throws -> [String: PlanDecision] {
        Planner.plan(graph: graph, records: Planner.checkingArtifacts(try store.nodeRecords(), of: graph, in: runDirectory),
                     only: options.only)
    }

    /// Executes the pipeline. Throws for problems that prevent running at all (lock held by a live process,
    /// store errors); node failures are reported in the summary (`exitCode` 1), an interruption by `exitCode` 130.
    public func run() throws -> RunSummary {
        let start = Date()
        if options.dryRun { return try dryRun(start: start) }

        let profile = PhaseClock(enabled: ProcessInfo.processInfo.environment["LEMA_PROFILE"] != nil)
        let output = options.output ?? { FileHandle.standardError.write(Data($0.utf8)) }
        try store.acquireRunLock(command: options.commandLine, maxWait: options.lockWait) { output("lema: \($0)\n") }
        // A failed release is harmless: closing the store (or this process) drops the kernel lock regardless.
        defer { try? store.releaseRunLock() }
        profile.mark("lock")
        try store.register(graph)
        profile.mark("register")
        let reclaimed = try store.reclaimOrphans()
        let records = Planner.checkingArtifacts(try store.nodeRecords(), of: graph, in: runDirectory)
        profile.mark("read records")
        let plan = Planner.plan(graph: graph, records: records, only: options.only)
        profile.mark("plan")
        let toRun = plan.values.filter(\.willRun).count

        let recorder = StateRecorder(store: store)
        let reporter = ProgressReporter(mode: options.progress, totalToRun: toRun, output: options.output)
        if !reclaimed.isEmpty {
            reporter.log("reclaimed \(reclaimed.count) node(s) left running by a crashed run; their finished items are kept")
        }
        try warnAboutLiveJobsOfLocalNodes(plan: plan) { output("lema: \($0)\n") }
        var executors = self.executors
        if executors[.slurm] == nil, let executable = options.nodeExecutable,
           graph.nodes.contains(where: { $0.execution.executor == .slurm && plan[$0.id]?.willRun ?? true }) {
            let slurm = SlurmExecutor(settings: graph.executor, executable: executable, detach: options.detach)
            try slurm.checkReady(runDirectory: runDirectory) { output("lema: \($0)\n") }
            executors[.slurm] = slurm
        }
        let scheduler = Scheduler(graph: graph, plan: plan, records: records, options: options, registry: registry,
                                  runDirectory: runDirectory, recorder: recorder, reporter: reporter,
                                  executors: executors)
        var trap: SignalTrap?
        if options.handleSignals {
            let forced = options.onForcedExit
            let store = self.store
            trap = SignalTrap(onFirst: { _ in scheduler.interrupt() }, onSecond: { _ in
                reporter.log(forced == nil ? "second interrupt: still stopping gracefully" : "second interrupt: exiting now")
                reporter.stop()
                recorder.flushForExit()
                // Best effort: the process is about to end, and anything unflushed is redone on resume.
                try? store.flush()
                forced?()
            })
        }
        reporter.start()
        var summary = scheduler.execute()
        profile.mark("execute")
        trap?.uninstall()
        reporter.stop()
        let flushError = Result { try recorder.flush() }
        try store.flush()
        try flushError.get()
        profile.mark("flush")
        profile.report()
        summary.wallSeconds = Date().timeIntervalSince(start)
        return summary
    }

    /// A node about to run here while a Slurm job of it (from an earlier run on the slurm executor) may still be
    /// queued or running would have two writers of its directory: say so, with the way out.
    private func warnAboutLiveJobsOfLocalNodes(plan: [String: PlanDecision], warn: (String) -> Void) throws {
        let live = Dictionary(try store.liveJobs().map { ($0.node, $0) }, uniquingKeysWith: { _, newer in newer })
        guard !live.isEmpty else { return }
        for node in graph.nodes where node.execution.executor == .local && plan[node.id]?.willRun ?? true {
            guard let job = live[node.id] else { continue }
            warn("warning: stage '\(node.stage)' runs locally, but its Slurm job \(job.jobID ?? job.jobName) from an "
                 + "earlier run may still be queued or running: `scancel` it, or run with --executor slurm to follow it")
        }
    }

    /// Wall time per phase of a run, printed to stderr when LEMA_PROFILE is set (for tuning, not for users).
    private final class PhaseClock {
        let enabled: Bool
        var last = DispatchTime.now().uptimeNanoseconds
        var lastCPU = PhaseClock.cpuNanoseconds()
        var phases: [(String, Double, Double)] = []
        init(enabled: Bool) { self.enabled = enabled }
        /// CPU time of the whole process (all threads): on a busy machine wall time says little.
        static func cpuNanoseconds() -> UInt64 {
            var spec = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
            return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
        }
        func mark(_ name: String) {
            guard enabled else { return }
            let now = DispatchTime.now().uptimeNanoseconds, cpu = PhaseClock.cpuNanoseconds()
            phases.append((name, Double(now - last) / 1e6, Double(cpu - lastCPU) / 1e6))
            last = now
            lastCPU = cpu
        }
        func report() {
            guard enabled else { return }
            let text = phases.map { String(format: "%@ %.1f ms (cpu %.1f)", $0.0, $0.1, $0.2) }.joined(separator: ", ")
            FileHandle.standardError.write(Data("lema profile: \(text)\n".utf8))
        }
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
