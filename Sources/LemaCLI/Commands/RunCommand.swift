import ArgumentParser
import Engine
import Foundation
import Stages

/// `lema run SPEC`: completes whatever is missing. Running it again after a crash, SIGKILL or Ctrl-C resumes:
/// finished nodes are skipped (with the reason shown), finished items of map-like stages are kept.
public struct RunCommand: ParsableCommand {
    /// Name, help text and exit codes of `lema run`.
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline (or resume it: finished work is skipped).",
        discussion: """
            Progress goes to standard error (a live block on a terminal, log lines otherwise); the closing summary \
            to standard output. Exit codes: 0 all done, 1 a node failed (the rest completed), 2 invalid spec, \
            3 another lema process is running this pipeline, 130 interrupted (run again to resume).
            Tuning (environment): LEMA_LEDGER_BATCH (records per state commit, default 1024), \
            LEMA_LEDGER_DELAY_MS (longest a finished item or node waits for its commit, default 25), \
            LEMA_NODE_BINARY (the lema binary Slurm jobs run; default this one's path).
            """)

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: [.short, .long], help: "Cores' worth of nodes to run at once (a node holds its `threads`).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("only"), help: ArgumentHelp("Run only this stage and its ancestors (repeatable).", valueName: "stage"))
    var only: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Show what would run and why; change nothing.")
    var dryRun = false

    @Flag(inversion: .prefixedNo, help: "After a failure keep running what does not depend on it.")
    var keepGoing = true

    @Option(help: "Progress display: auto, tty, plain or quiet.")
    var progress: ProgressMode = .auto

    @Flag(name: .shortAndLong, help: "Same as --progress quiet.")
    var quiet = false

    @Option(help: "Where nodes run, whatever the spec says: local or slurm.")
    var executor: ExecutorKind?

    @Flag(help: "Submit the Slurm jobs that can start now and return; `lema run` again follows them, `lema status` shows them.")
    var detach = false

    @Option(name: .customLong("retry-delay"), help: ArgumentHelp("Seconds before the first retry (doubles per retry).", visibility: .hidden))
    var retryDelay: Double = 1

    /// Required by ArgumentParser; arguments are filled in by parsing.
    public init() {}

    /// Rejects `--jobs` below 1 and a negative `--retry-delay` before anything is opened.
    public func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        guard retryDelay >= 0 else { throw ValidationError("--retry-delay must be ≥ 0") }
    }

    /// Compiles the spec, runs (or dry-runs) it, prints the summary and publishes the report. Throws spec and store
    /// errors (invalid spec, lock held by a live process) and `ExitCode` 1 or 130 when a node failed or the run was
    /// interrupted.
    public func run() throws {
        let graph = try pipeline.compile()
        for stage in only { _ = try graph.requireStage(stage) }
        let runDirectory = pipeline.runDirectory(for: graph)
        let store = try pipeline.openStore(for: graph, mustExist: false, options: Self.storeOptions())
        defer { try? store.close() }
        var options = RunOptions(
            jobs: jobs, only: only, dryRun: dryRun, keepGoing: keepGoing, progress: quiet ? .quiet : progress,
            retryBaseDelay: retryDelay, onForcedExit: {
                ChildWatchdog.shared.killAll()
                _exit(LemaExitCode.interrupted)
            })
        options.executor = executor
        options.detach = detach
        // Jobs run this very binary unless the compute nodes see it elsewhere (LEMA_NODE_BINARY).
        options.nodeExecutable = ProcessInfo.processInfo.environment["LEMA_NODE_BINARY"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Bundle.main.executablePath
        let runner = Runner(graph: graph, store: store, registry: KindCatalog.registry, runDirectory: runDirectory,
                            options: options)
        let summary = try runner.run()
        print(summary.text)
        if dryRun {
            for warning in TruncationPreview.warnings(graph: graph, records: try store.nodeRecords(), runDirectory: runDirectory) {
                ErrorFunnel.printError(warning)
            }
        }
        var exitCode = summary.exitCode
        if !dryRun {
            do {
                let published = try ReportPublisher.publish(graph: graph, records: try store.nodeRecords(),
                                                            runDirectory: runDirectory)
                if !published.isEmpty { print("\n" + published.map(\.summary).joined(separator: "\n\n")) }
            } catch {
                // The run's own results are safe in the node directories; only the copy for readers failed.
                ErrorFunnel.printError("lema: error: the report could not be published to \(runDirectory.path): "
                    + "\(error) (the report stage's files are in its node directory; `lema report` retries)")
                if exitCode == 0 { exitCode = LemaExitCode.failure }
            }
        }
        try store.close()
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    /// How long a finished item or node transition may wait in the store's buffer. Shorter than the store's own
    /// default: after a SIGKILL at most this much finished work runs again, and at ≤ 40 commits/s the cost is noise.
    static let defaultCommitDelay: TimeInterval = 0.025

    /// Store batching knobs from the environment (tests use a batch of 1 to make crash bounds exact).
    static func storeOptions() -> StoreOptions {
        let env = ProcessInfo.processInfo.environment
        let defaults = StoreOptions()
        let batch = env["LEMA_LEDGER_BATCH"].flatMap(Int.init) ?? defaults.batchSize
        let delay = env["LEMA_LEDGER_DELAY_MS"].flatMap(Double.init).map { $0 / 1000 } ?? defaultCommitDelay
        return StoreOptions(batchSize: batch, maxDelay: delay, busyTimeout: defaults.busyTimeout)
    }
}

extension ProgressMode: ExpressibleByArgument {}
extension ExecutorKind: ExpressibleByArgument {}
