import Foundation

/// How live progress is shown while a run executes.
public enum ProgressMode: String, Sendable, CaseIterable {
    /// A redrawn block (one line per running node) when stderr is a terminal, plain log lines otherwise.
    case auto
    /// Always the redrawn block.
    case tty
    /// Log lines on start/finish of each node and every few seconds for long ones.
    case plain
    /// Only the final summary.
    case quiet
}

/// Knobs of one `lema run`.
public struct RunOptions: Sendable {
    /// Worker tokens: at most this many cores' worth of nodes run at once (a node holds `threads` tokens).
    public var jobs: Int
    /// Stage names to run (their ancestors are included); empty = everything.
    public var only: [String]
    /// Plan and report, execute nothing, change nothing.
    public var dryRun: Bool
    /// After a failure keep running everything that does not depend on the failed node.
    public var keepGoing: Bool
    /// How live progress is shown (default `.auto`).
    public var progress: ProgressMode
    /// First retry waits about this long; each further retry doubles it (with deterministic jitter).
    public var retryBaseDelay: TimeInterval
    /// Upper bound of one backoff wait.
    public var retryMaxDelay: TimeInterval
    /// Install SIGINT/SIGTERM handling for the duration of the run (the CLI does; in-process tests may not).
    public var handleSignals: Bool
    /// Called on a second SIGINT/SIGTERM once the state is flushed. Ending the process is the executable's
    /// decision, not the engine's: the CLI kills child process groups and exits with 130 here. Without it the
    /// run goes on stopping gracefully.
    public var onForcedExit: (@Sendable () -> Void)?
    /// Longest wait for a killed previous owner of the run lock to finish exiting (see `Store.acquireRunLock`).
    public var lockWait: TimeInterval
    /// Shown to a second `lema run` that finds the lock taken.
    public var commandLine: String
    /// Where progress lines go (default: standard error).
    public var output: (@Sendable (String) -> Void)?
    /// `lema run --executor`: every node runs on this executor, whatever the spec says (nil: as the spec says).
    public var executor: ExecutorKind?
    /// The `lema` binary Slurm jobs run (`lema node-exec`). Without it nodes of the slurm executor run locally
    /// (in-process callers such as tests have no such binary).
    public var nodeExecutable: String?
    /// `lema run --detach`: submit the Slurm jobs that can start now and return without waiting for them; a later
    /// `lema run` follows them (and submits what depends on them), `lema status` shows them.
    public var detach = false

    /// Defaults: 2 jobs, keep going, `.auto` progress, retry waits from 1 s up to 60 s, signal handling on, a 60 s
    /// lock wait. `jobs` is raised to at least 1; `executor` and `nodeExecutable` start nil.
    public init(jobs: Int = 2, only: [String] = [], dryRun: Bool = false, keepGoing: Bool = true,
                progress: ProgressMode = .auto, retryBaseDelay: TimeInterval = 1, retryMaxDelay: TimeInterval = 60,
                handleSignals: Bool = true, onForcedExit: (@Sendable () -> Void)? = nil,
                commandLine: String = CommandLine.arguments.joined(separator: " "),
                output: (@Sendable (String) -> Void)? = nil, lockWait: TimeInterval = 60) {
        self.jobs = max(1, jobs)
        self.only = only
        self.dryRun = dryRun
        self.keepGoing = keepGoing
        self.progress = progress
        self.retryBaseDelay = retryBaseDelay
        self.retryMaxDelay = retryMaxDelay
        self.handleSignals = handleSignals
        self.onForcedExit = onForcedExit
        self.commandLine = commandLine
        self.output = output
        self.lockWait = lockWait
    }
}
